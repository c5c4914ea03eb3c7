import { Flow, type MaybePromise, Node, type NodeContext, ParallelBatchNode } from "flowlet";
import type { Call, Visit } from "../measure.js";
import { type Batch, type Counter, type Framework, type Loop, type Run, range } from "./types.js";

/** Only `post` is needed for work on the shared store; flowlet lets it be synchronous. */
class Increment extends Node<Counter> {
  override post(shared: Counter) {
    shared.count++;
    return undefined;
  }
}

class Ping extends Node<Loop> {
  constructor(private readonly visit: Visit) {
    super();
  }
  override post(shared: Loop): MaybePromise<string | undefined> {
    this.visit(++shared.count);
    return undefined;
  }
}

class Pong extends Ping {
  override post(shared: Loop): MaybePromise<string | undefined> {
    super.post(shared);
    return shared.count >= shared.limit ? "done" : "again";
  }
}

// The same nodes with async methods, as code that awaits something in post would have them.
class AsyncIncrement extends Node<Counter> {
  override async post(shared: Counter) {
    shared.count++;
    return undefined;
  }
}

class AsyncPing extends Ping {
  override async post(shared: Loop) {
    return super.post(shared);
  }
}

class AsyncPong extends Pong {
  override async post(shared: Loop) {
    return super.post(shared);
  }
}

class Calls extends ParallelBatchNode<Batch, number, number> {
  constructor(
    private readonly items: number,
    private readonly call: Call,
    concurrency: number | undefined,
  ) {
    super({ concurrency });
  }
  override prep() {
    return range(this.items);
  }
  override exec(index: number) {
    return this.call(index);
  }
  override post(shared: Batch, _items: unknown, results: number[]) {
    shared.results = results;
    return undefined;
  }
}

/** A flowlet chain of `n` nodes; W5 runs it again with a checkpoint saver. */
export function flowletChain(n: number, Step: new () => Node<Counter> = Increment): Flow<Counter> {
  const nodes = range(n).map(() => new Step());
  for (let i = 1; i < n; i++) nodes[i - 1]!.next(nodes[i]!);
  return new Flow(nodes[0]!);
}

function loop(transitions: number, visit: Visit, First: typeof Ping, Second: typeof Ping): Run<number> {
  const ping = new First(visit);
  const pong = ping.next(new Second(visit));
  pong.on("again", ping);
  pong.on("done", new Node<Loop>());
  // Loops of a million transitions are meant here: maxSteps says so, and silences the long-loop warning.
  const flow = new Flow(ping, { maxSteps: Number.POSITIVE_INFINITY });
  return async () => {
    const shared = { count: 0, limit: transitions };
    await flow.run(shared);
    return shared.count;
  };
}

function chain(n: number, Step: new () => Node<Counter>): Run<number> {
  const flow = flowletChain(n, Step);
  return async () => {
    const shared = { count: 0 };
    await flow.run(shared);
    return shared.count;
  };
}

/** Sends one custom event per node, as a node streaming progress or tokens would. */
class Emit extends Node<Counter> {
  override exec(_: unknown, ctx: NodeContext) {
    return ctx.emit(0);
  }
  override post(shared: Counter) {
    shared.count++;
    return undefined;
  }
}

export const flowlet: Framework = {
  name: "flowlet",
  pkg: "flowlet",
  chain: (n) => chain(n, Increment),
  stream(n) {
    const flow = flowletChain(n, Emit);
    return async () => {
      let events = 0;
      for await (const _ of flow.stream({ count: 0 })) events++;
      return events;
    };
  },
  loop: (transitions, visit) => loop(transitions, visit, Ping, Pong),

  parallel(items, call, concurrency) {
    const flow = new Flow(new Calls(items, call, concurrency));
    return async () => {
      const shared: Batch = {};
      await flow.run(shared);
      return shared.results ?? [];
    };
  },
};

/** flowlet with `async post`, for W1 and W2 only: the cost of an awaited method per node. */
export const flowletAsync: Pick<Framework, "name" | "chain" | "loop"> = {
  name: "flowlet, async post",
  chain: (n) => chain(n, AsyncIncrement),
  loop: (transitions, visit) => loop(transitions, visit, AsyncPing, AsyncPong),
};

import { Flow, Node, ParallelBatchNode } from "pocketflow";
import type { Call, Visit } from "../measure.js";
import { type Batch, type Counter, type Framework, type Loop, range } from "./types.js";

// pocketflow's lifecycle methods are async by signature.
class Increment extends Node<Counter> {
  override async post(shared: Counter) {
    shared.count++;
    return undefined;
  }
}

class Ping extends Node<Loop> {
  constructor(private readonly visit: Visit) {
    super();
  }
  override async post(shared: Loop): Promise<string | undefined> {
    this.visit(++shared.count);
    return undefined;
  }
}

class Pong extends Ping {
  override async post(shared: Loop) {
    await super.post(shared);
    return shared.count >= shared.limit ? "done" : "again";
  }
}

class Calls extends ParallelBatchNode<Batch> {
  constructor(
    private readonly items: number,
    private readonly call: Call,
  ) {
    super();
  }
  override async prep() {
    return range(this.items);
  }
  override exec(index: unknown) {
    return this.call(index as number);
  }
  override async post(shared: Batch, _items: unknown, results: unknown) {
    shared.results = results as number[];
    return undefined;
  }
}

/** The official pocketflow npm port (PocketFlow-Typescript). */
export const pocketflow: Framework = {
  name: "pocketflow",
  pkg: "pocketflow",

  chain(n) {
    const nodes = range(n).map(() => new Increment());
    for (let i = 1; i < n; i++) nodes[i - 1]!.next(nodes[i]!);
    const flow = new Flow(nodes[0]!);
    return async () => {
      const shared = { count: 0 };
      await flow.run(shared);
      return shared.count;
    };
  },

  loop(transitions, visit) {
    const ping = new Ping(visit);
    const pong = ping.next(new Pong(visit));
    pong.on("again", ping);
    pong.on("done", new Node());
    const flow = new Flow(ping);
    return async () => {
      const shared = { count: 0, limit: transitions };
      await flow.run(shared);
      return shared.count;
    };
  },

  parallel(items, call, concurrency) {
    // ParallelBatchNode is a bare Promise.all: pocketflow has no way to cap concurrency.
    if (concurrency !== undefined) return undefined;
    const flow = new Flow(new Calls(items, call));
    return async () => {
      const shared: Batch = {};
      await flow.run(shared);
      return shared.results ?? [];
    };
  },
};

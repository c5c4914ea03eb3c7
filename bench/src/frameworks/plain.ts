import type { Call, Visit } from "../measure.js";
import { type Counter, type Framework, type Loop, range } from "./types.js";

/** The least any async graph runner does: await each node, then look its action up in a map. */
interface PlainNode<S> {
  step(shared: S): Promise<string>;
  readonly next: Map<string, PlainNode<S>>;
}

async function walk<S>(start: PlainNode<S>, shared: S): Promise<void> {
  let node: PlainNode<S> | undefined = start;
  while (node) node = node.next.get(await node.step(shared));
}

function node<S>(step: (shared: S) => Promise<string>): PlainNode<S> {
  return { step, next: new Map() };
}

/** Hand-written TypeScript with the same structure as the framework versions: the baseline. */
export const plain: Framework = {
  name: "plain TS",

  chain(n) {
    const nodes = range(n).map(() =>
      node<Counter>(async (s) => {
        s.count++;
        return "default";
      }),
    );
    for (let i = 1; i < n; i++) nodes[i - 1]!.next.set("default", nodes[i]!);
    return async () => {
      const shared = { count: 0 };
      await walk(nodes[0]!, shared);
      return shared.count;
    };
  },

  loop(transitions: number, visit: Visit) {
    const ping = node<Loop>(async (s) => {
      visit(++s.count);
      return "default";
    });
    const pong = node<Loop>(async (s) => {
      visit(++s.count);
      return s.count >= s.limit ? "done" : "again";
    });
    ping.next.set("default", pong);
    pong.next.set("again", ping);
    pong.next.set(
      "done",
      node(async () => "default"),
    );
    return async () => {
      const shared = { count: 0, limit: transitions };
      await walk(ping, shared);
      return shared.count;
    };
  },

  parallel(items: number, call: Call, concurrency: number | undefined) {
    if (concurrency === undefined) return () => Promise.all(range(items).map(call));
    return async () => {
      const results = new Array<number>(items);
      let next = 0;
      const worker = async () => {
        while (next < items) {
          const i = next++;
          results[i] = await call(i);
        }
      };
      await Promise.all(range(Math.min(concurrency, items)).map(worker));
      return results;
    };
  },
};

import type { MaybePromise, NodeContext } from "flowlet";
import { activeRun } from "./scope.js";

type ItemWork = (item: unknown, ctx: NodeContext) => MaybePromise<unknown>;

interface Patchable {
  exec: ItemWork;
  post(shared: unknown, items: unknown, results: unknown, ctx: NodeContext): MaybePromise<string | undefined | void>;
  maxRetries: number;
}

const work = new WeakMap<object, ItemWork>();

/** What `distributed` needs of a node: a `BatchNode` or `ParallelBatchNode`, of any store and item types. */
export interface BatchLike {
  exec(item: never, ctx: NodeContext): unknown;
  post(...args: never[]): unknown;
  maxRetries: number;
}

/**
 * Makes a batch node's items run as jobs across the workers of a queue: in a run executed by
 * `startWorker`, each `exec(item)` becomes an item job that any worker may take, and `post` gets
 * the results in input order as usual. Each attempt of an item (`maxRetries`) is its own job, and
 * an item's job id is derived from the run, the node and the item's content, so a run resumed
 * after a crash picks up the jobs already queued or finished instead of running them again.
 *
 * Outside a worker (a plain `flow.run`), the node runs its items in-process, unchanged.
 *
 * ```ts
 * const summarise = distributed(new SummariseDocs({ maxRetries: 3 }));
 * ```
 *
 * Items and results must be JSON; `ctx.interrupt` is not available in distributed items.
 */
export function distributed<T extends BatchLike>(node: T): T {
  const target = node as unknown as Patchable;
  const exec = target.exec.bind(node);
  const post = target.post.bind(node);
  work.set(node, exec);
  // Own properties shadow the class's methods: the class's `exec` stays the work item jobs run.
  target.exec = (item, ctx) => {
    const run = activeRun.getStore();
    return run ? run.dispatch(node, item, ctx) : exec(item, ctx);
  };
  target.post = async (shared, items, results, ctx) => {
    const action = await post(shared, items, results, ctx);
    await activeRun.getStore()?.settled(node, items, ctx);
    return action;
  };
  return node;
}

/** The work of a distributed node's item, as its class defines it; undefined for other nodes. */
export function itemWork(node: object | undefined): ItemWork | undefined {
  return node ? work.get(node) : undefined;
}

/** How many attempts a distributed node gives each item. */
export function attemptsOf(node: object): number {
  return (node as Patchable).maxRetries;
}

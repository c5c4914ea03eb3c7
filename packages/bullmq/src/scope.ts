import { AsyncLocalStorage } from "node:async_hooks";
import type { NodeContext } from "flowlet";

/** What a distributed batch node needs from the worker running its run. */
export interface RunScope {
  /** Runs one item as a job on any worker, and resolves to its result. */
  dispatch(node: object, item: unknown, ctx: NodeContext): Promise<unknown>;
  /** The batch's results are all checkpointed: its item jobs can go. */
  settled(node: object, items: unknown, ctx: NodeContext): Promise<void>;
}

/**
 * The run a worker is executing, visible to the nodes it calls. Node instances are shared by every
 * run in the process, so the run cannot live on the node: it travels with the async context.
 */
export const activeRun = new AsyncLocalStorage<RunScope>();

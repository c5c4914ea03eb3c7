import type { NodeContext, Params } from "flowlet";
import { ItemInterruptError } from "./errors.js";

/**
 * The context a distributed item's `exec` gets on the worker that runs it: its attempt, a signal
 * that aborts when the run is canceled, and the batch node's params. The engine's own contexts
 * belong to a visit of the node inside a run, which lives on the parent's worker.
 */
export function itemContext(attempt: number, signal: AbortSignal, params: Params): NodeContext {
  const ctx = {
    attempt,
    signal,
    params,
    interrupt(): never {
      throw new ItemInterruptError(
        "ctx.interrupt cannot pause a distributed batch item: ask in the batch's prep or post, or in a node before it.",
      );
    },
    emit: () => Promise.resolve(),
    withSignal: (other: AbortSignal) => itemContext(attempt, other, params),
    retry: (next: number) => itemContext(next, signal, params),
  };
  // NodeContext's private fields make it nominal; user code only reaches the members above.
  return ctx as unknown as NodeContext;
}

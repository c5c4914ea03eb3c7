import type { StepState } from "./durable.js";
import { ConfigError } from "./errors.js";
import { Interrupt } from "./interrupt.js";

/** Params passed down a flow to its nodes. */
export type Params = Readonly<Record<string, unknown>>;

/** What a node's methods get besides their data. A fresh object per exec attempt. */
export class NodeContext {
  constructor(
    /** 0-based exec attempt. It belongs to this one call: parallel items never share it. */
    readonly attempt: number,
    /** Aborted when the run is cancelled, or when a sibling item of a parallel batch fails. */
    readonly signal: AbortSignal,
    /** This node's params: its own, overlaid by those its flow passes down. */
    readonly params: Params,
    /** @internal Set in checkpointed runs only. */
    readonly _step?: StepState,
  ) {}

  /**
   * Asks a human. In a checkpointed run the first call pauses the run, which resolves
   * `{ status: "interrupted", payload }`; `flow.resume(runId, { resumeWith })` runs this node again
   * from its top, and this call then returns `resumeWith`. Several calls in one node are answered in order.
   * Without a checkpoint saver the run rejects with {@link Interrupt}.
   */
  interrupt<T = unknown>(payload: unknown): T {
    const step = this._step;
    if (!step) throw new Interrupt(payload, "", "");
    const answers = step.durable.answers[step.key] ?? [];
    const call = step.calls++;
    if (call < answers.length) return answers[call] as T;
    throw new Interrupt(payload, step.key, step.path);
  }

  /** @internal The same call, one attempt later. */
  retry(attempt: number): NodeContext {
    return new NodeContext(attempt, this.signal, this.params, this._step);
  }
}

export type MaybePromise<T> = T | PromiseLike<T>;

export function isThenable<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === "function";
}

/** Waits `ms`, or rejects with the signal's reason the moment it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal that never aborts, shared by every run that was given none. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

export function checkCount(value: number, what: string, min: number): number {
  if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= min))) {
    throw new ConfigError(`${what} must be an integer ≥ ${min} (or Infinity), got ${String(value)}.`);
  }
  return value;
}

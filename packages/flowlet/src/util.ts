/** Small helpers of the engine, with no knowledge of nodes or flows. */
import { ConfigError } from "./errors.js";

export type MaybePromise<T> = T | PromiseLike<T>;

/** Params passed down a flow to its nodes. */
export type Params = Readonly<Record<string, unknown>>;

/** @internal */
export function isThenable<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === "function";
}

/** @internal A signal that never aborts, for runs given none. Nothing ever listens to it. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

// One "abort" listener per signal, however many waits share it: Node warns past 10 listeners
// (MaxListenersExceededWarning), and many retry waits or timeouts of one batch share a signal.
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * @internal Calls `fn` once when `signal` aborts; returns the function that cancels that. Costs one
 * listener per signal, not per call.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal === NEVER_ABORTED) return noop;
  let set = waiters.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    waiters.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        waiters.delete(signal);
        for (const waiter of fresh) waiter();
      },
      { once: true },
    );
  }
  set.add(fn);
  const own = set;
  return () => void own.delete(fn);
}

function noop(): void {}

/** @internal Waits `ms`, or rejects with the signal's reason the moment it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const cancel = onAbort(signal, () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
    const timer = setTimeout(() => {
      cancel();
      resolve();
    }, ms);
  });
}

type Schedule = (callback: () => void) => void;
const globals = globalThis as { setImmediate?: Schedule };

/**
 * @internal Lets the event loop run timers and I/O (an abort among them), at the cost of one
 * macrotask: `setImmediate` where it exists (Node, Bun), else a MessageChannel message (browsers,
 * Deno), which unlike `setTimeout(0)` is not clamped to 4 ms.
 */
export const yieldToEventLoop: () => Promise<void> = globals.setImmediate
  ? () => new Promise((resolve) => (globals.setImmediate as Schedule)(resolve))
  : typeof MessageChannel === "function"
    ? channelYield()
    : () => new Promise((resolve) => setTimeout(resolve, 0));

// A channel per yield, closed at once: an open port would keep some runtimes' event loops alive.
function channelYield(): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
}

/** @internal Checks a count option: an integer ≥ `min`, or Infinity. */
export function checkCount(value: number, what: string, min: number): number {
  if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= min))) {
    throw new ConfigError(`${what} must be an integer ≥ ${min} (or Infinity), got ${String(value)}.`);
  }
  return value;
}

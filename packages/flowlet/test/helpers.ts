import { type FlowletWarning, Node } from "flowlet";
import { type MockInstance, vi } from "vitest";

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The abort listener
 * goes when the delay ends: many delays on one run's signal would otherwise pile up listeners
 * (Node's MaxListenersExceededWarning past 10).
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Captures console.warn for the duration of a test; `messages()` lists what was warned. */
export function captureWarnings(): { spy: MockInstance<typeof console.warn>; messages: () => string[] } {
  const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
  return { spy, messages: () => spy.mock.calls.map((args) => args.map(String).join(" ")) };
}

/** Collects a run's warnings: pass `onWarning` to the run, read `messages()`. */
export function runWarnings(): { onWarning: (w: FlowletWarning) => void; messages: () => string[] } {
  const seen: FlowletWarning[] = [];
  return { onWarning: (w) => void seen.push(w), messages: () => seen.map((w) => w.message) };
}

/** Counts how many calls of `fn` are in flight at once, and the most there ever were. */
export function inFlightMeter() {
  let now = 0;
  let max = 0;
  return {
    get max() {
      return max;
    },
    async track<T>(fn: () => Promise<T>): Promise<T> {
      now++;
      max = Math.max(max, now);
      try {
        return await fn();
      } finally {
        now--;
      }
    },
  };
}

export type Trail = { trail: string[] };

/** Appends its name to `shared.trail` and returns a fixed action. */
export class Say extends Node<Trail> {
  constructor(
    name: string,
    private readonly action?: string,
  ) {
    super({ name });
  }
  override post(shared: Trail) {
    shared.trail.push(this.name);
    return this.action;
  }
}

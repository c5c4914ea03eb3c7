import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// Exposing gc at runtime lets `npm run bench` and vitest measure heap without a node flag.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

/** A full, synchronous garbage collection. */
export function gc(): void {
  collect();
}

/** Called by the loop workload's nodes on every transition, with the count after it. */
export type Visit = (count: number) => void;

export const ignoreVisit: Visit = () => {};

/**
 * Watches memory from inside a running loop: peak RSS sampled every 1,024 transitions, and the
 * heap after a full GC at transition `heapAt` (while the run, and whatever it retains, is alive).
 */
export class MemoryProbe {
  peakRss = 0;
  heapUsed = Number.NaN;
  readonly visit: Visit;

  constructor(heapAt: number) {
    this.visit = (count) => {
      if ((count & 1023) === 0) this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
      if (count === heapAt) {
        gc();
        this.heapUsed = process.memoryUsage().heapUsed;
      }
    };
  }
}

/** A simulated LLM call: resolves to its index after `ms`, counting how many are in flight. */
export type Call = (index: number) => Promise<number>;

export class SimulatedCalls {
  inFlight = 0;
  maxInFlight = 0;
  started = 0;
  readonly call: Call;

  constructor(ms: number) {
    this.call = (index) => {
      this.started++;
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      return new Promise((resolve) =>
        setTimeout(() => {
          this.inFlight--;
          resolve(index);
        }, ms),
      );
    };
  }

  reset(): void {
    this.inFlight = this.maxInFlight = this.started = 0;
  }
}

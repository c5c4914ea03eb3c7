import type { Call, Visit } from "../measure.js";

/** One prepared run of a workload: the graph is built once, outside the timed part. */
export type Run<T> = () => Promise<T>;

/**
 * The same workloads, written the way each framework's users would write them. Every node does
 * the same work: the chain and the loop add one to a counter, the batch awaits one simulated call
 * per item.
 */
export interface Framework {
  /** Column label. */
  readonly name: string;
  /** The npm package whose installed version is reported (none for the plain baseline). */
  readonly pkg?: string;
  /** A chain of `n` nodes; resolves to the counter, which must equal `n`. */
  chain(n: number): Run<number>;
  /** Two nodes taking turns for `transitions` visits in all, calling `visit` on each; resolves to the counter. */
  loop(transitions: number, visit: Visit): Run<number>;
  /**
   * One batch of `items` calls, at most `concurrency` in flight (`undefined`: unbounded); resolves
   * to the results in input order. `undefined` when the framework has no way to cap concurrency.
   */
  parallel(items: number, call: Call, concurrency: number | undefined): Run<number[]> | undefined;
  /**
   * A chain of `n` nodes, streamed to a consumer: each node sends one custom event (its index) and
   * the consumer reads every event the framework yields; resolves to the number of events read.
   * Absent when the framework cannot stream a run.
   */
  stream?(n: number): Run<number>;
}

export type Counter = { count: number };
export type Loop = { count: number; limit: number };
export type Batch = { results?: number[] };

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

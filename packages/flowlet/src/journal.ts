/**
 * The journal: the one interface through which the engine makes a run durable. The engine tells it
 * where each flow and batch stands, as keys of `keys.ts`, and when the run settles; what is saved,
 * where and how is the journal's business. A run without checkpoints uses {@link NO_JOURNAL}.
 */
import type { MaybePromise } from "./util.js";

import type { RunStatus } from "./saver.js";

export type { RunStatus };

/** How a run ended: told to the journal once, by {@link Journal.settle}. */
export type Outcome =
  | { status: "completed"; action: string }
  /** `key` and `path` name the node that asked; `payload` is what it passed to `ctx.interrupt`. */
  | { status: "interrupted"; key: string; path: string; payload: unknown }
  | { status: "failed"; error: unknown }
  | { status: "canceled"; reason: unknown };

/** Where a flow stands: the index of its next node in graph order (`null`: done), its steps, its last action. */
export interface FlowPosition {
  next: number | null;
  steps: number;
  action: string;
}

/** Which kind of batch a batch key belongs to. */
export type BatchKind = "batch" | "batchFlow";

/** A batch item (a batch node's item, a batch flow's run, or a branch of a Parallel) starting or ending. */
export type ItemEvent =
  | { type: "itemStart"; path: string; index: number; id: string }
  | { type: "itemEnd"; path: string; index: number; id: string; durationMs: number; outcome?: "failed" | "interrupted" };

/**
 * What the engine tells a durable run, and asks of it. Calls that save return a promise the engine
 * awaits before it goes on; the others are synchronous, so a resumed run restores its place at once.
 */
export interface Journal {
  /** False only for {@link NO_JOURNAL}: the engine then skips what only checkpoints need (keys, node indexes). */
  readonly durable: boolean;
  /**
   * The prep of the batch, `Parallel` or flow (one that overrides `prep`) at `key` is about to run:
   * the journal notes what the store holds, so that it can tell prep's writes when the batch or
   * flow opens, and keep a resume from applying them twice.
   */
  prepStarts(key: string): void;
  /** The saved position of the flow at `key`, the first time that flow starts again after a resume; else undefined. */
  openFlow(key: string): FlowPosition | undefined;
  /** The node at key `node` of the flow at key `flow` finished; the flow now stands at `position`. */
  recordStep(flow: string, node: string, position: FlowPosition, path: string): MaybePromise<void>;
  /**
   * A batch at `key` starts: the results of its items that a checkpoint already holds, by item
   * identity (see `itemKey` of batch nodes), so that they are not run again.
   */
  openBatch(key: string, kind: BatchKind): ReadonlyMap<string, unknown> | undefined;
  /**
   * For the event log: item `index` (identity `id`) of the batch at `path` started, or ended after
   * `durationMs` (`outcome`: "failed" or "interrupted" when it threw). Items restored from a
   * checkpoint do not run, and are not told.
   */
  itemEvent(event: ItemEvent): void;
  /** Item `id` of the batch at `key` finished with `result` (for a batch flow: the run's last action). */
  recordItem(key: string, kind: BatchKind, id: string, result: unknown, path: string): MaybePromise<void>;
  /** The saved answer to call number `call` (0-based) of `ctx.interrupt` in the node visit at `key`, if any. */
  answer(key: string, call: number): { value: unknown } | undefined;
  /**
   * The run ended. Called exactly once, after everything else; nothing may be saved after it, so
   * records that arrive late (from items of a batch that was already failing) are dropped.
   */
  settle(outcome: Outcome): MaybePromise<void>;
}

/** The journal of a run without checkpoints: remembers nothing, saves nothing, costs nothing. */
export const NO_JOURNAL: Journal = Object.freeze({
  durable: false,
  prepStarts: () => undefined,
  openFlow: () => undefined,
  recordStep: () => undefined,
  openBatch: () => undefined,
  itemEvent: () => undefined,
  recordItem: () => undefined,
  answer: () => undefined,
  settle: () => undefined,
});

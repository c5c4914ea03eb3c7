/**
 * Batches: a node whose exec runs once per item, and a flow that runs once per params object.
 * One implementation, {@link runBatch}, serves both, at any `concurrency` (1 means one at a time);
 * the `Parallel*` classes only change the default to "all at once".
 */
import { NodeContext, type Visit } from "./context.js";
import { ConfigError, Interrupt } from "./errors.js";
import { Flow, type FlowOptions, orchestrate } from "./flow.js";
import { KIND, type NodeKind } from "./describe.js";
import type { BatchKind } from "./journal.js";
import { hashText, itemKey, runKey } from "./keys.js";
import { RetryNode, WORK } from "./node.js";
import type { RetryOptions } from "./retry.js";
import { execWithRetry } from "./retry.js";
import { join } from "./run.js";
import type { BaseNode } from "./node.js";
import { type MaybePromise, type Params, checkCount, onAbort } from "./util.js";

/** What a batch's prep returns: the items, where `null`/`undefined` mean none. */
export type Items<T> = Iterable<T> | null | undefined;

export interface BatchOptions<Item = unknown> {
  /** How many items run at once: 1 (the default of BatchNode and BatchFlow) runs them one after another. */
  concurrency?: number;
  /**
   * An item's identity in checkpoints, e.g. `(file) => file.path`. Default: a hash of the item's
   * JSON, so a resumed run whose list changed order, or gained or lost items, still finds the
   * results of the items it already finished. Keys must tell items apart.
   */
  key?: (item: Item, index: number) => string;
}

/** The options of the `Parallel*` batches, whose `concurrency` defaults to all items at once. */
export type ParallelOptions<Item = unknown> = BatchOptions<Item>;

/**
 * A node whose `exec` runs once per item of what `prep` returns, each item with its own retries
 * and fallback, at most `concurrency` at a time (default 1: in order, one after another). `post`
 * receives the results in input order.
 */
export class BatchNode<S = unknown, Item = unknown, Result = unknown> extends RetryNode<S, Items<Item>, Result[], Item, Result> {
  concurrency: number;
  readonly #key: ((item: Item, index: number) => string) | undefined;

  constructor(options: RetryOptions & BatchOptions<Item> = {}) {
    super(options);
    this.concurrency = checkCount(options.concurrency ?? 1, `concurrency of node "${this.name}"`, 1);
    this.#key = options.key;
  }

  /**
   * The item's identity in checkpoints: the `key` option, or else a hash of the item's JSON (see
   * {@link BatchOptions.key}). Override it to derive identities another way.
   */
  itemKey(item: Item, index: number): string {
    return this.#key ? this.#key(item, index) : identityOf(item, index);
  }

  /** @internal */
  get [KIND](): NodeKind {
    return "batch";
  }

  /** @internal */
  override [WORK](_shared: S, items: Items<Item>, _ctx: NodeContext, visit: Visit): Promise<Result[]> {
    return runBatch(this, items, visit, "batch", (item, index, key, signal) => {
      const own: Visit = { scope: visit.scope, name: visit.name, step: visit.step, key, params: visit.params, item: index };
      return execWithRetry(this, item, new NodeContext(own, 0, signal), own);
    });
  }
}

/** A {@link BatchNode} whose items all run at once unless `concurrency` caps them. */
export class ParallelBatchNode<S = unknown, Item = unknown, Result = unknown> extends BatchNode<S, Item, Result> {
  constructor(options: RetryOptions & ParallelOptions<Item> = {}) {
    super({ ...options, concurrency: options.concurrency ?? Number.POSITIVE_INFINITY });
  }

  /** @internal */
  override get [KIND](): NodeKind {
    return "parallelBatch";
  }
}

/**
 * A flow that runs its graph once per params object that `prep` returns, with
 * `{ ...flowParams, ...item }` as the params, at most `concurrency` runs at a time (default 1).
 * `post` receives each run's last action.
 */
export class BatchFlow<S = unknown> extends Flow<S, Items<Params>, string[]> {
  concurrency: number;
  readonly #key: ((params: Params, index: number) => string) | undefined;

  constructor(start?: BaseNode<S>, options: FlowOptions & BatchOptions<Params> = {}) {
    super(start, options);
    this.concurrency = checkCount(options.concurrency ?? 1, `concurrency of flow "${this.name}"`, 1);
    this.#key = options.key;
  }

  /** A run's identity in checkpoints: the `key` option, or a hash of its params' JSON. See {@link BatchNode.itemKey}. */
  itemKey(params: Params, index: number): string {
    return this.#key ? this.#key(params, index) : identityOf(params, index);
  }

  /** @internal */
  get [KIND](): NodeKind {
    return "batchFlow";
  }

  /** @internal */
  override [WORK](shared: S, items: Items<Params>, _ctx: NodeContext, visit: Visit): Promise<string[]> {
    return runBatch(this, items, visit, "batchFlow", (params, item, key, signal) =>
      orchestrate(this, shared, { params: { ...visit.params, ...params }, outer: visit.scope, key, signal, item }),
    );
  }
}

/** A {@link BatchFlow} whose runs all go at once unless `concurrency` caps them. */
export class ParallelBatchFlow<S = unknown> extends BatchFlow<S> {
  constructor(start?: BaseNode<S>, options: FlowOptions & ParallelOptions<Params> = {}) {
    super(start, { ...options, concurrency: options.concurrency ?? Number.POSITIVE_INFINITY });
  }

  /** @internal */
  override get [KIND](): NodeKind {
    return "parallelBatchFlow";
  }
}

/** What the batch implementation needs of its node. */
interface Batch<I> {
  concurrency: number;
  itemKey(item: I, index: number): string;
}

/**
 * @internal Runs `task` once per item, at most `batch.concurrency` at a time, and resolves to the
 * results in input order. In a checkpointed run, items a checkpoint already holds are not run again
 * (their results are restored), and each finished item is recorded before its slot takes the next.
 */
export async function runBatch<I, R>(
  batch: Batch<I>,
  items: Items<I>,
  visit: Visit,
  kind: BatchKind,
  task: (item: I, index: number, key: string, signal: AbortSignal) => MaybePromise<R>,
): Promise<R[]> {
  const list = items ? Array.from(items) : [];
  const { scope, key } = visit;
  const { journal } = scope.run;
  if (!journal.durable) return pool(list.length, batch.concurrency, scope.signal, (i, signal) => task(list[i] as I, i, key, signal));
  const path = join(scope.path, visit.name);
  const ids = identities(batch, list, path);
  const done = journal.openBatch(key, kind) ?? new Map<string, unknown>();
  const place = kind === "batch" ? itemKey : runKey;
  const results = new Array<R>(list.length);
  await pool(list.length, batch.concurrency, scope.signal, async (i, signal) => {
    const id = ids[i] as string;
    if (done.has(id)) {
      results[i] = done.get(id) as R;
      return;
    }
    const started = performance.now();
    journal.itemEvent({ type: "itemStart", path, index: i, id });
    let result: R;
    try {
      result = await task(list[i] as I, i, place(key, id), signal);
    } catch (error) {
      const outcome = error instanceof Interrupt ? "interrupted" : "failed";
      journal.itemEvent({ type: "itemEnd", path, index: i, id, durationMs: performance.now() - started, outcome });
      throw error;
    }
    journal.itemEvent({ type: "itemEnd", path, index: i, id, durationMs: performance.now() - started });
    results[i] = result;
    await journal.recordItem(key, kind, id, result, path);
  });
  return results;
}

function identities<I>(batch: Batch<I>, list: readonly I[], path: string): string[] {
  const ids = list.map((item, i) => batch.itemKey(item, i));
  const first = new Map<string, number>();
  const repeats = new Map<string, number>();
  return ids.map((id, i) => {
    if (typeof id !== "string") throw new ConfigError(`itemKey of "${path}" must return a string, got ${typeof id} for item ${i}.`);
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, i);
      return id;
    }
    // Equal items hash alike: the second of them is "hash~2", and so on, in list order.
    if (!id.startsWith(HASHED)) {
      throw new ConfigError(
        `Items ${seen} and ${i} of "${path}" have the same itemKey "${id}": it must tell items apart, or checkpoints would mix their results.`,
      );
    }
    const n = (repeats.get(id) ?? 1) + 1;
    repeats.set(id, n);
    return `${id}~${n}`;
  });
}

const HASHED = "h:";

/** The default identity of an item: a hash of its JSON (its index if it has none, e.g. a cycle). */
function identityOf(item: unknown, index: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(item);
  } catch {
    text = undefined;
  }
  return text === undefined ? `#${index}` : `${HASHED}${hashText(text)}`;
}

/**
 * Runs `task(0..count-1)` with at most `limit` in flight, and starts none once `outer` aborts. The
 * first failure aborts the signal the other tasks were given, stops new ones from starting, and rejects.
 */
async function pool<R>(
  count: number,
  limit: number,
  outer: AbortSignal,
  task: (index: number, signal: AbortSignal) => MaybePromise<R>,
): Promise<R[]> {
  if (count === 0) return [];
  if (outer.aborted) throw outer.reason;
  const controller = new AbortController();
  const { signal } = controller;
  const stop = onAbort(outer, () => controller.abort(outer.reason));
  const results = new Array<R>(count);
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) {
      const i = next++;
      results[i] = await task(i, signal);
    }
    if (signal.aborted) throw signal.reason;
  };
  try {
    // Unbounded, every task starts at once and Promise.all keeps their order: a worker loop per
    // task would only add two promises and an await to each item.
    if (limit >= count) return await Promise.all(Array.from({ length: count }, (_, i) => task(i, signal)));
    await Promise.all(Array.from({ length: limit }, worker));
    return results;
  } catch (error) {
    if (!signal.aborted) controller.abort(error);
    throw error;
  } finally {
    stop();
  }
}

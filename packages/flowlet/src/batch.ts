import { type MaybePromise, NodeContext, type Params, checkCount } from "./context.js";
import { Flow, type FlowOptions } from "./flow.js";
import { BaseNode, type RetryOptions, execWithRetry, retrySettings } from "./node.js";
import type { Frame } from "./checkpoint.js";
import type { Scope } from "./scope.js";
import { assertJSON } from "./snapshot.js";

/** What a batch's prep returns: the items, where `null`/`undefined` mean none. */
export type Items<T> = Iterable<T> | null | undefined;

export interface ParallelOptions {
  /** How many items run at once. Default: all of them. */
  concurrency?: number;
}

/**
 * A node whose `exec` runs once per item of what `prep` returns, each item with its own retries
 * and fallback. `post` receives the results in input order.
 */
export class BatchNode<S = unknown, Item = unknown, Result = unknown> extends BaseNode<S, Items<Item>, Result[]> {
  maxRetries: number;
  wait: RetryOptions["wait"];

  constructor(options: RetryOptions = {}) {
    super(options);
    ({ maxRetries: this.maxRetries, wait: this.wait } = retrySettings(options, this.name));
  }

  exec(_item: Item, _ctx: NodeContext): MaybePromise<Result> {
    return undefined as Result;
  }

  execFallback(_item: Item, error: unknown, _ctx: NodeContext): MaybePromise<Result> {
    throw error;
  }

  /** @internal */
  async _exec(_shared: S, items: Items<Item>, ctx: NodeContext, scope: Scope, step: number): Promise<Result[]> {
    const list = items ? Array.from(items) : [];
    const results = new Array<Result>(list.length);
    const record = progress<Result>(ctx, "batch", results);
    for (let i = 0; i < list.length; i++) {
      if (record?.skip(i)) continue;
      const itemCtx = ctx._step ? itemContext(ctx, ctx.signal, i) : ctx;
      const result = await execWithRetry(this, list[i] as Item, itemCtx, scope, step, i);
      results[i] = result;
      await record?.done(i, result);
    }
    return results;
  }
}

/** A {@link BatchNode} whose items run concurrently, at most `concurrency` at a time. */
export class ParallelBatchNode<S = unknown, Item = unknown, Result = unknown> extends BatchNode<S, Item, Result> {
  concurrency: number;

  constructor(options: RetryOptions & ParallelOptions = {}) {
    super(options);
    this.concurrency = checkCount(options.concurrency ?? Number.POSITIVE_INFINITY, `concurrency of node "${this.name}"`, 1);
  }

  /** @internal */
  override async _exec(_shared: S, items: Items<Item>, ctx: NodeContext, scope: Scope, step: number): Promise<Result[]> {
    const list = items ? Array.from(items) : [];
    const results = new Array<Result>(list.length);
    const record = progress<Result>(ctx, "batch", results);
    const run = (i: number, signal: AbortSignal) => execWithRetry(this, list[i] as Item, itemContext(ctx, signal, i), scope, step, i);
    // Not checkpointed: the items' own promises are all it takes (no wrapper, no await per item).
    if (!record) return pool(list.length, this.concurrency, ctx.signal, run);
    await pool(list.length, this.concurrency, ctx.signal, async (i, signal) => {
      if (record.skip(i)) return results[i] as Result;
      const result = await run(i, signal);
      results[i] = result;
      await record.done(i, result);
      return result;
    });
    return results;
  }
}

/**
 * A flow that runs its graph once per params object that `prep` returns, with
 * `{ ...flowParams, ...item }` as the params. `post` receives each run's last action.
 */
export class BatchFlow<S = unknown> extends Flow<S, Items<Params>, string[]> {
  /** @internal */
  override async _exec(shared: S, items: Items<Params>, ctx: NodeContext, scope: Scope): Promise<string[]> {
    const list = items ? Array.from(items) : [];
    const actions = new Array<string>(list.length);
    const record = progress<string>(ctx, "batchFlow", actions);
    const key = ctx._step?.key ?? "";
    for (let i = 0; i < list.length; i++) {
      if (record?.skip(i)) continue;
      const action = await this._orchestrate(shared, { ...ctx.params, ...list[i] }, scope, `${key}[${i}]`);
      actions[i] = action;
      await record?.done(i, action);
    }
    return actions;
  }
}

/** A {@link BatchFlow} whose runs go concurrently, at most `concurrency` at a time. */
export class ParallelBatchFlow<S = unknown> extends BatchFlow<S> {
  concurrency: number;

  constructor(start?: BaseNode<S>, options: FlowOptions & ParallelOptions = {}) {
    super(start, options);
    this.concurrency = checkCount(options.concurrency ?? Number.POSITIVE_INFINITY, `concurrency of flow "${this.name}"`, 1);
  }

  /** @internal */
  override async _exec(shared: S, items: Items<Params>, ctx: NodeContext, scope: Scope): Promise<string[]> {
    const list = items ? Array.from(items) : [];
    const actions = new Array<string>(list.length);
    const record = progress<string>(ctx, "batchFlow", actions);
    const key = ctx._step?.key ?? "";
    await pool(list.length, this.concurrency, scope.signal, async (i, signal) => {
      if (record?.skip(i)) return;
      const action = await this._orchestrate(shared, { ...ctx.params, ...list[i] }, { ...scope, signal }, `${key}[${i}]`);
      actions[i] = action;
      await record?.done(i, action);
    });
    return actions;
  }
}

/** An item's own context: its own signal, and in checkpointed runs its own key, so its interrupts are its own. */
function itemContext(ctx: NodeContext, signal: AbortSignal, i: number): NodeContext {
  const step = ctx._step;
  return new NodeContext(0, signal, ctx.params, step && { ...step, key: `${step.key}#${i}`, calls: 0 });
}

/**
 * In a checkpointed run, the record of which items of a batch are done: items a checkpoint already
 * holds are skipped (their results restored), and each newly done item is saved before the next.
 */
function progress<R>(ctx: NodeContext, kind: "batch" | "batchFlow", results: R[]) {
  const step = ctx._step;
  if (!step) return undefined;
  const { durable, key, path } = step;
  const frame = (durable.claim(key, kind) ?? { kind, done: {} }) as { kind: typeof kind; done: Record<string, unknown> };
  durable.frames.set(key, frame as Frame);
  return {
    skip(i: number): boolean {
      if (!Object.hasOwn(frame.done, i)) return false;
      results[i] = frame.done[i] as R;
      return true;
    },
    done(i: number, result: R): Promise<void> {
      frame.done[i] = assertJSON(result, `the result of item ${i} of "${path}"`);
      if (kind === "batchFlow") durable.finish(`${key}[${i}]`);
      return durable.commit(path);
    },
  };
}

/**
 * Runs `task(0..count-1)` with at most `limit` in flight. The first failure aborts the signal the
 * other tasks were given, stops new ones from starting, and rejects.
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
  const forward = () => controller.abort(outer.reason);
  outer.addEventListener("abort", forward, { once: true });
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
    outer.removeEventListener("abort", forward);
  }
}

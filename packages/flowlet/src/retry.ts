/** Retry settings, validated in one place, and the one retry loop that Node and BatchNode items share. */
import type { NodeContext, Visit } from "./context.js";
import { Interrupt } from "./errors.js";
import { publish } from "./events.js";
import { join } from "./run.js";
import { type MaybePromise, checkCount, isThenable, sleep } from "./util.js";

/** Retry settings of {@link Node} and {@link BatchNode} (per item). */
export interface RetryOptions {
  /** Attempts of `exec`, at least 1. Default 1. */
  maxRetries?: number;
  /** Milliseconds between attempts, or a function of the failed attempt (0-based) for backoff. Default 0. */
  wait?: number | ((attempt: number, error: unknown) => number);
  name?: string;
}

/** @internal Validated retry settings. */
export interface RetrySettings {
  maxRetries: number;
  wait: NonNullable<RetryOptions["wait"]>;
}

/** @internal */
export function retrySettings(options: RetryOptions, name: string): RetrySettings {
  return { maxRetries: checkCount(options.maxRetries ?? 1, `maxRetries of node "${name}"`, 1), wait: options.wait ?? 0 };
}

/** @internal What the retry loop needs from its node. */
export interface Retryable<I, R> extends RetrySettings {
  exec(input: I, ctx: NodeContext): MaybePromise<R>;
  execFallback(input: I, error: unknown, ctx: NodeContext): MaybePromise<R>;
}

/**
 * @internal Runs `exec` with retries, then the fallback. The attempt counter is a local of this
 * call, so concurrent items of a batch can never race on it.
 */
export function execWithRetry<I, R>(node: Retryable<I, R>, input: I, ctx: NodeContext, visit: Visit): MaybePromise<R> {
  // Fast path: a sync exec that succeeds costs no promise.
  try {
    const result = node.exec(input, ctx);
    if (!isThenable(result)) return result;
    return Promise.resolve(result).catch((error) => recover(node, input, ctx, visit, error));
  } catch (error) {
    return recover(node, input, ctx, visit, error);
  }
}

async function recover<I, R>(node: Retryable<I, R>, input: I, first: NodeContext, visit: Visit, firstError: unknown): Promise<R> {
  let ctx = first;
  let error = firstError;
  const { scope } = visit;
  for (;;) {
    // A pause for human input is not a failure, and retrying after a cancellation is pointless.
    if (ctx.signal.aborted || error instanceof Interrupt) throw error;
    const willRetry = ctx.attempt + 1 < node.maxRetries;
    if (scope.observed) {
      const { name, step, item } = visit;
      publish(scope, "nodeError", { node: name, path: join(scope.path, name), step, params: ctx.params, error, attempt: ctx.attempt, willRetry, item });
    }
    if (!willRetry) return node.execFallback(input, error, ctx);
    const wait = typeof node.wait === "function" ? node.wait(ctx.attempt, error) : node.wait;
    if (wait > 0) await sleep(wait, ctx.signal);
    ctx = ctx.retry(ctx.attempt + 1);
    try {
      return await node.exec(input, ctx);
    } catch (next) {
      error = next;
    }
  }
}

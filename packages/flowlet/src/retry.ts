/** Retry settings, validated in one place, and the one retry loop that Node and BatchNode items share. */
import type { NodeContext, Visit } from "./context.js";
import { ConfigError, Interrupt, NodeTimeoutError } from "./errors.js";
import { publish } from "./events.js";
import { join } from "./run.js";
import { type MaybePromise, checkCount, isThenable, onAbort, sleep } from "./util.js";

/** Retry settings of {@link Node} and {@link BatchNode} (per item). */
export interface RetryOptions {
  /** Attempts of `exec`, at least 1. Default 1. */
  maxRetries?: number;
  /** Milliseconds between attempts, or a function of the failed attempt (0-based) for backoff. Default 0. */
  wait?: number | ((attempt: number, error: unknown) => number);
  /**
   * Milliseconds one attempt of exec may take. Past it the attempt's `ctx.signal` aborts and the
   * attempt fails with `NodeTimeoutError`, which is retried like any failure. Default: none.
   */
  timeout?: number;
  /**
   * Which failures are worth another attempt (default: all). Return false and the node goes
   * straight to `execFallback`. An `Interrupt` or a cancelled run is never retried.
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  name?: string;
}

/** @internal Validated retry settings. */
export interface RetrySettings {
  maxRetries: number;
  wait: NonNullable<RetryOptions["wait"]>;
  timeout: number;
  retryOn: RetryOptions["retryOn"];
}

/** @internal */
export function retrySettings(options: RetryOptions, name: string): RetrySettings {
  const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
  if (!(timeout > 0)) throw new ConfigError(`timeout of node "${name}" must be a positive number of milliseconds, got ${String(timeout)}.`);
  if (options.retryOn !== undefined && typeof options.retryOn !== "function") {
    throw new ConfigError(`retryOn of node "${name}" must be a function (error, attempt) => boolean.`);
  }
  return {
    maxRetries: checkCount(options.maxRetries ?? 1, `maxRetries of node "${name}"`, 1),
    wait: options.wait ?? 0,
    timeout,
    retryOn: options.retryOn,
  };
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
    const result = attempt(node, input, ctx, visit);
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
    const willRetry = ctx.attempt + 1 < node.maxRetries && (node.retryOn === undefined || node.retryOn(error, ctx.attempt) === true);
    if (scope.observed) {
      const { name, step, item } = visit;
      publish(scope, "nodeError", {
        node: name,
        path: join(scope.path, name),
        step,
        params: ctx.params,
        error,
        attempt: ctx.attempt,
        willRetry,
        item,
      });
    }
    if (!willRetry) return node.execFallback(input, error, ctx);
    const wait = typeof node.wait === "function" ? node.wait(ctx.attempt, error) : node.wait;
    if (wait > 0) await sleep(wait, ctx.signal);
    ctx = ctx.retry(ctx.attempt + 1);
    try {
      return await attempt(node, input, ctx, visit);
    } catch (next) {
      error = next;
    }
  }
}

/** One attempt of exec, under the node's timeout if it has one. */
function attempt<I, R>(node: Retryable<I, R>, input: I, ctx: NodeContext, visit: Visit): MaybePromise<R> {
  return node.timeout === Number.POSITIVE_INFINITY ? node.exec(input, ctx) : timed(node, input, ctx, visit);
}

/**
 * An attempt with its own signal, aborted by the run's (or item's) signal or by the timeout. The
 * attempt fails at the timeout even if exec ignores its signal; `ctx` keeps the outer signal, so
 * the retry loop tells a timeout (retried) from a cancellation (not retried).
 */
async function timed<I, R>(node: Retryable<I, R>, input: I, ctx: NodeContext, visit: Visit): Promise<R> {
  const outer = ctx.signal;
  if (outer.aborted) throw outer.reason;
  const controller = new AbortController();
  const stop = onAbort(outer, () => controller.abort(outer.reason));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NodeTimeoutError(join(visit.scope.path, visit.name), node.timeout, ctx.attempt);
      controller.abort(error);
      reject(error);
    }, node.timeout);
  });
  try {
    const own = ctx.withSignal(controller.signal);
    return await Promise.race([Promise.resolve().then(() => node.exec(input, own)), expired]);
  } finally {
    clearTimeout(timer);
    stop();
  }
}

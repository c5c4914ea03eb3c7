import type { RetryBudget } from "./budget.js";
import {
  ContextLengthError,
  LLMDeadlineError,
  LLMError,
  LLMHTTPError,
  LLMNetworkError,
  LLMResponseError,
  LLMTimeoutError,
  isContextLengthMessage,
  safeURL,
} from "./errors.js";
import type { Limiter } from "./limiter.js";
import { sleep } from "./sleep.js";

/**
 * Retries on 408, 429, 5xx, timeouts and network errors, with exponential backoff and jitter,
 * within one budget per call: `maxAttempts` requests and `deadlineMs` in all.
 */
export interface RetryOptions {
  /** Retries after the first attempt: `maxAttempts` is `maxRetries + 1`. Default 4. */
  maxRetries?: number;
  /** Requests per call in all, the first included (wins over `maxRetries`). Default 5. */
  maxAttempts?: number;
  /** First backoff wait; it doubles each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff wait. A provider's Retry-After is honoured even when longer (up to 10 minutes). Default 30 s. */
  maxDelayMs?: number;
  /** Also retry HTTP-200 replies that break the wire format ({@link LLMResponseError}). Default false. */
  malformedReplies?: boolean;
}

/** What `onRetry` is told before each wait. */
export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  maxAttempts: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** Why the attempt failed. */
  error: LLMError;
  /** Time left before the call's deadline, after the wait. */
  remainingMs: number;
}

/** One POST to a provider. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface ExchangeOptions {
  retry: { baseDelayMs: number; maxDelayMs: number; malformedReplies: boolean };
  budget: RetryBudget;
  timeoutMs: number;
  limiter: Limiter | undefined;
  signal: AbortSignal | undefined;
  onRetry: ((event: RetryEvent) => void) | undefined;
  /** Blanked out of any error text the provider sends back. */
  secret: string | undefined;
}

/** An open response: its attempt's signal, the idle timer's reset, and the slot to give back. */
export interface Live {
  signal: AbortSignal;
  /** Restarts the timeout: a stream calls it on every chunk, so the timeout bounds silence. */
  touch(): void;
  /** Stops the timeout while the consumer, not the server, has the stream. */
  pause(): void;
  finish(): void;
}

const MAX_RETRY_AFTER_MS = 600_000;

class Timeout extends Error {}

/**
 * POSTs `request` and hands the response to `read`, retrying the whole attempt (reading
 * included) on retryable failures, within `options.budget`. `read` may keep the exchange open
 * past its return (a stream): it then owns `live.finish()`; otherwise the exchange finishes when
 * `read` settles. `read` must throw {@link LLMError}s: anything else is taken for a transport failure.
 */
export async function exchange<T>(
  request: HttpRequest,
  options: ExchangeOptions,
  read: (response: Response, live: Live) => Promise<T>,
  keepOpen = false,
): Promise<T> {
  const { retry, signal, budget } = options;
  const where = safeURL(request.url);
  for (;;) {
    // A budget shared with earlier calls (a Node's previous attempts) may be spent already: no request then.
    if (budget.failures >= budget.maxAttempts)
      throw budget.lastFailure ?? new LLMError(`The retry budget of ${budget.maxAttempts} attempts is spent.`);
    const attempt = budget.failures + 1;
    let failure: LLMError;
    let retryAfterMs: number | undefined;
    const remaining = budget.remainingMs();
    if (remaining === 0) throw new LLMDeadlineError(where, budget.deadlineMs, budget.failures);
    const timer = new AbortController();
    // The attempt's clock: its own timeout, or what is left of the call's deadline if that is sooner.
    const limitMs = Math.min(options.timeoutMs, remaining);
    const byDeadline = limitMs < options.timeoutMs;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number) => {
      clearTimeout(timeout);
      timeout = setTimeout(() => timer.abort(new Timeout()), ms);
    };
    arm(budget.remainingMs());
    const waitSignal = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    let release: () => void;
    try {
      release = options.limiter ? await options.limiter.acquire(waitSignal) : () => {};
    } catch (error) {
      clearTimeout(timeout);
      if (signal?.aborted) throw signal.reason;
      if (timer.signal.aborted) throw new LLMDeadlineError(where, budget.deadlineMs, budget.failures);
      throw error;
    }
    const live: Live = {
      signal: waitSignal,
      touch() {
        arm(Math.min(options.timeoutMs, budget.remainingMs()));
      },
      pause() {
        clearTimeout(timeout);
      },
      finish() {
        clearTimeout(timeout);
        release();
      },
    };
    live.touch();
    let open = false;
    try {
      const response = await fetch(request.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...request.headers },
        body: JSON.stringify(request.body),
        signal: live.signal,
      });
      if (response.ok) {
        const result = await read(response, live);
        open = keepOpen;
        return result;
      }
      const text = await response.text();
      const detail = errorDetail(text, options.secret);
      if (response.status === 400 && isContextLengthMessage(detail)) throw new ContextLengthError(400, detail, where, attempt);
      failure = new LLMHTTPError(response.status, detail, where, attempt);
      if (!isRetryable(response.status)) throw failure;
      retryAfterMs = parseRetryAfter(response.headers);
      // Everyone sharing the limiter backs off, not only this request.
      if (response.status === 429) options.limiter?.pause?.(retryAfterMs ?? backoff(attempt, retry));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof LLMResponseError && retry.malformedReplies && !open) {
        failure = new LLMResponseError(error.message, error.body, attempt);
      } else if (error instanceof LLMError) throw error;
      else if (timer.signal.aborted) {
        if (byDeadline || budget.remainingMs() === 0) {
          const late = new LLMDeadlineError(where, budget.deadlineMs, attempt);
          budget.fail(late);
          throw late;
        }
        failure = new LLMTimeoutError(where, options.timeoutMs, attempt);
      } else failure = new LLMNetworkError(where, attempt, error);
    } finally {
      if (!open) live.finish();
    }
    if (!budget.fail(failure)) throw failure;
    const delayMs = retryAfterMs ?? backoff(attempt, retry);
    // A wait that would outlast the deadline is pointless: report the failure now.
    if (delayMs >= budget.remainingMs()) throw failure;
    options.onRetry?.({ attempt, maxAttempts: budget.maxAttempts, delayMs, error: failure, remainingMs: budget.remainingMs() - delayMs });
    await sleep(delayMs, signal);
  }
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Exponential backoff with jitter: between half and all of base·2^(attempt-1), capped. */
export function backoff(attempt: number, retry: { baseDelayMs: number; maxDelayMs: number }): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** Reads `retry-after-ms`, or `retry-after` as seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** The provider's error message (all three nest it at `error.message`), key blanked, kept short. */
export function errorDetail(body: string, secret: string | undefined): string {
  let detail = body.trim();
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === "string") detail = message;
  } catch {
    // Not JSON: keep the text.
  }
  if (secret) detail = detail.split(secret).join("[redacted]");
  return detail.length > 500 ? `${detail.slice(0, 500)}…` : detail;
}

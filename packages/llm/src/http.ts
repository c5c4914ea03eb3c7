import { LLMError, LLMHTTPError, LLMNetworkError, LLMTimeoutError, safeURL } from "./errors.js";
import type { Limiter } from "./limiter.js";
import { sleep } from "./sleep.js";

/** Retries on 408, 429, 5xx, timeouts and network errors, with exponential backoff and jitter. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff wait; it doubles each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff wait. A provider's Retry-After is honoured even when longer (up to 10 minutes). Default 30 s. */
  maxDelayMs?: number;
}

/** One POST to a provider. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface ExchangeOptions {
  retry: Required<RetryOptions>;
  timeoutMs: number;
  limiter: Limiter | undefined;
  signal: AbortSignal | undefined;
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
 * included) on retryable failures. `read` may keep the exchange open past its return (a stream):
 * it then owns `live.finish()`; otherwise the exchange finishes when `read` settles.
 */
export async function exchange<T>(request: HttpRequest, options: ExchangeOptions, read: (response: Response, live: Live) => Promise<T>, keepOpen = false): Promise<T> {
  const { retry, signal } = options;
  const where = safeURL(request.url);
  for (let attempt = 1; ; attempt++) {
    let failure: LLMError;
    let retryAfterMs: number | undefined;
    const release = options.limiter ? await options.limiter.acquire(signal) : () => {};
    const timer = new AbortController();
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const live: Live = {
      signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
      touch() {
        clearTimeout(timeout);
        timeout = setTimeout(() => timer.abort(new Timeout()), options.timeoutMs);
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
      failure = new LLMHTTPError(response.status, errorDetail(text, options.secret), where, attempt);
      if (!isRetryable(response.status)) throw failure;
      retryAfterMs = parseRetryAfter(response.headers);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof LLMError) throw error;
      if (timer.signal.aborted) failure = new LLMTimeoutError(where, options.timeoutMs, attempt);
      else if (isNetworkError(error)) failure = new LLMNetworkError(where, attempt, error);
      else throw error;
    } finally {
      if (!open) live.finish();
    }
    if (attempt > retry.maxRetries) throw failure;
    await sleep(retryAfterMs ?? backoff(attempt, retry), signal);
  }
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isNetworkError(error: unknown): boolean {
  // fetch reports every transport failure (refused, reset, closed mid-body) as a TypeError.
  return error instanceof TypeError || (error instanceof Error && typeof (error as { code?: unknown }).code === "string");
}

/** Exponential backoff with jitter: between half and all of base·2^(attempt-1), capped. */
export function backoff(attempt: number, retry: Required<RetryOptions>): number {
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

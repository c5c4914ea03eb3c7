import { LLMConfigError, type LLMError } from "./errors.js";

/** Options of {@link createRetryBudget}. */
export interface RetryBudgetOptions {
  /** Failed requests allowed before giving up: a persistent failure makes exactly this many requests. Default 5. */
  maxAttempts?: number;
  /** Total time in ms, every attempt, backoff wait and limiter wait included. Default 600 000 (10 minutes). */
  deadlineMs?: number;
}

/**
 * Attempts and time shared by every request that is given it. One call makes its own; pass one
 * budget to several calls (or to every retry of a Node, made once in `prep`) so that retries
 * cannot multiply: a Node retried 3 times around a call retried 5 times still makes at most
 * `maxAttempts` failed requests in all, within one deadline.
 */
export class RetryBudget {
  readonly maxAttempts: number;
  readonly deadlineMs: number;
  /** When the budget runs out, in `Date.now()` terms. */
  readonly deadline: number;
  #failures = 0;
  #last: LLMError | undefined;

  constructor(options: RetryBudgetOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) {
      throw new LLMConfigError("maxAttempts", `maxAttempts must be an integer ≥ 1, got ${this.maxAttempts}.`);
    }
    if (!(this.deadlineMs > 0))
      throw new LLMConfigError("deadlineMs", `deadlineMs must be a positive number of milliseconds, got ${this.deadlineMs}.`);
    this.deadline = Date.now() + this.deadlineMs;
  }

  /** Failed requests so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Milliseconds left before the deadline (0 when past it). */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.deadline - now);
  }

  /** The failure that spent the budget's last attempt, if it is spent. */
  get lastFailure(): LLMError | undefined {
    return this.#last;
  }

  /** @internal Counts a failed request; true while another attempt is allowed. */
  fail(error: LLMError): boolean {
    this.#failures++;
    this.#last = error;
    return this.#failures < this.maxAttempts;
  }

  /** True when no further attempt is allowed. */
  get exhausted(): boolean {
    return this.#failures >= this.maxAttempts || this.remainingMs() === 0;
  }
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_DEADLINE_MS = 600_000;

/** A {@link RetryBudget} to share between calls. */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  return new RetryBudget(options);
}

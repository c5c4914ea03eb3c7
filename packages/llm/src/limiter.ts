import { LLMConfigError } from "./errors.js";
import { abortable, sleep } from "./sleep.js";

/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  /** Requests in flight at once. Default unlimited. */
  concurrency?: number;
  /** Requests started per minute, as a token bucket refilled at rpm/60 per second. Default unlimited. */
  rpm?: number;
  /**
   * Starts allowed at once from a full bucket, before the rate applies. Default: 10 seconds' worth
   * (`ceil(rpm / 6)`), at least 1. `burst: 1` spaces every start 60000/rpm ms apart.
   */
  burst?: number;
}

/**
 * Caps concurrency and request rate. Pass one limiter to several LLM clients (or to every item of a
 * ParallelBatchNode through one client) to keep a whole flow within the provider's limits.
 */
export interface Limiter {
  /** Runs `task` when a slot is free; `signal` aborts the wait for it. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Takes a slot and returns the function that gives it back (call it exactly once), for work with no single promise, such as a stream. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly pending: number;
  /**
   * Holds every start for `ms` (a provider said 429): all clients sharing the limiter back off
   * together instead of each finding out with its own 429. Overlapping pauses end at the latest.
   */
  pause?(ms: number): void;
}

/** Creates a {@link Limiter}. */
export function createLimiter(options: LimiterOptions = {}): Limiter {
  const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
  if (!(concurrency === Number.POSITIVE_INFINITY || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new LLMConfigError("concurrency", `concurrency must be an integer ≥ 1, got ${concurrency}.`);
  }
  if (options.rpm !== undefined && !(options.rpm > 0))
    throw new LLMConfigError("rpm", `rpm must be a positive number, got ${options.rpm}.`);
  const burst = options.burst ?? (options.rpm ? Math.max(1, Math.ceil(options.rpm / 6)) : 1);
  if (!(Number.isInteger(burst) && burst >= 1)) throw new LLMConfigError("burst", `burst must be an integer ≥ 1, got ${options.burst}.`);
  const perToken = options.rpm ? 60_000 / options.rpm : 0;
  let active = 0;
  const waiting: Array<() => void> = [];
  // The bucket: `tokens` at `filledAt`, refilled continuously up to `burst`.
  let tokens = burst;
  let filledAt = Date.now();
  let pausedUntil = 0;
  // Starts queue behind one another, so they keep their order and none can jump the bucket.
  let gate: Promise<void> = Promise.resolve();

  function refill(now: number): void {
    tokens = Math.min(burst, tokens + (now - filledAt) / perToken);
    filledAt = now;
  }

  async function space(signal: AbortSignal | undefined): Promise<void> {
    const previous = gate;
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    try {
      await abortable(previous, signal);
      for (;;) {
        const now = Date.now();
        if (now < pausedUntil) {
          await sleep(pausedUntil - now, signal);
          continue;
        }
        if (perToken === 0) break;
        refill(now);
        if (tokens >= 1) {
          tokens -= 1;
          break;
        }
        await sleep(Math.ceil((1 - tokens) * perToken), signal);
      }
      open();
    } catch (error) {
      // Those queued behind still go in order, after the one ahead of us.
      void previous.then(open);
      throw error;
    }
  }

  // A freed slot passes straight to the next waiter, so a newcomer can never slip in between.
  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }

  async function acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (active >= concurrency) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          waiting.splice(waiting.indexOf(wake), 1);
          reject(signal?.reason);
        };
        waiting.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    } else {
      active++;
    }
    try {
      await space(signal);
    } catch (error) {
      release();
      throw error;
    }
  }

  return {
    async run(task, signal) {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    async acquire(signal) {
      await acquire(signal);
      let released = false;
      return () => {
        if (!released) release();
        released = true;
      };
    },
    get active() {
      return active;
    },
    get pending() {
      return waiting.length;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
    },
  };
}

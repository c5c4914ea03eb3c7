/** How streamed text is batched before it is published: see {@link DeltaBuffer}. */
export interface DeltaOptions {
  /** Publishes at most once per this many ms; the first delta after a quiet spell goes out at once. Default 50. */
  intervalMs?: number;
  /** Publishes as soon as this many characters are pending, whatever the interval. Default 16,384. */
  maxChars?: number;
}

/**
 * Coalesces text deltas (LLM tokens) into fewer, larger ones: every publication costs the receiver
 * a task-store write, so one per token makes a long answer quadratic. Time-bounded (a reader never
 * waits more than `intervalMs` for text that exists) and size-bounded (no publication exceeds
 * `maxChars` by more than one delta).
 *
 * The buffer does not care where deltas come from: `push` is the one entry point, fed today by
 * `emitText`'s sink and by the core's `ctx.emit` (the run's `custom` hook).
 */
export class DeltaBuffer {
  readonly #publish: (text: string) => void;
  readonly #intervalMs: number;
  readonly #maxChars: number;
  #pending = "";
  #last = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(publish: (text: string) => void, options: DeltaOptions = {}) {
    this.#publish = publish;
    this.#intervalMs = options.intervalMs ?? 50;
    this.#maxChars = options.maxChars ?? 16_384;
  }

  push(delta: string): void {
    if (!delta) return;
    this.#pending += delta;
    const now = performance.now();
    if (this.#pending.length >= this.#maxChars || (this.#timer === undefined && now - this.#last >= this.#intervalMs)) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#intervalMs - (now - this.#last)));
  }

  /** Publishes what is pending now: before anything that must come after the text (a status, the final value). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending) return;
    const text = this.#pending;
    this.#pending = "";
    this.#last = performance.now();
    this.#publish(text);
  }

  /** Drops what is pending, unpublished (the task was canceled). */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = "";
  }
}

/** Checks user-given delta options, so a typo fails at start-up rather than streaming oddly. */
export function checkDeltaOptions(options: DeltaOptions | undefined, fail: (message: string) => Error): void {
  const { intervalMs = 50, maxChars = 16_384 } = options ?? {};
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0))
    throw fail(`deltas.intervalMs must be a number of ms ≥ 0, got ${String(intervalMs)}.`);
  if (!(Number.isInteger(maxChars) && maxChars > 0)) throw fail(`deltas.maxChars must be a positive integer, got ${String(maxChars)}.`);
}

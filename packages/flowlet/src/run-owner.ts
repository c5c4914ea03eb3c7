/**
 * Ownership of one run while it executes: the saver's lease, kept alive by a heartbeat, and the
 * appends made under it, one at a time.
 */
import { LeaseLostError } from "./errors.js";
import type { CheckpointRecord, CheckpointSaver, Lease, RunInfo } from "./saver.js";

/** Lease settings of durable runs. */
export interface LeaseOptions {
  /** How long a lease holds without a heartbeat; another process may take the run over after it. Default 30 000 ms. */
  ttlMs?: number;
  /** Wait up to this long for a run that another owner holds. Default 0: fail at once with RunLockedError. */
  wait?: number;
}

/** Default lease time to live. A heartbeat renews it every third of it. */
export const LEASE_TTL_MS = 30_000;

/** @internal The lease of a running run, renewed in the background, and the appends made under it. */
export class RunOwner {
  readonly saver: CheckpointSaver;
  #lease: Lease;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lost: unknown;
  #tail: Promise<void> = Promise.resolve();
  #renewing: Promise<void> | undefined;

  private constructor(saver: CheckpointSaver, lease: Lease) {
    this.saver = saver;
    this.#lease = lease;
    const every = Math.max(10, Math.floor(lease.ttlMs / 3));
    this.#timer = setInterval(() => {
      this.#renewing ??= this.saver
        .renew(this.#lease)
        .then((lease) => {
          this.#lease = lease;
        })
        .catch((error: unknown) => {
          // A lost lease stops every later append; a failed renew (a full disk…) is retried next beat.
          if (error instanceof LeaseLostError) this.#lost = error;
        })
        .finally(() => {
          this.#renewing = undefined;
        });
    }, every);
    // Never keep a process alive only for a heartbeat.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Takes the run's lease (`create`: the run must not exist yet). */
  static async take(saver: CheckpointSaver, runId: string, options: LeaseOptions & { create?: boolean }): Promise<RunOwner> {
    const lease = await saver.acquire(runId, {
      ttlMs: options.ttlMs ?? LEASE_TTL_MS,
      wait: options.wait ?? 0,
      ...(options.create ? { create: true } : {}),
    });
    return new RunOwner(saver, lease);
  }

  get runId(): string {
    return this.#lease.runId;
  }

  /** Appends under the lease, after the appends before it. */
  append(records: CheckpointRecord[], run: RunInfo): Promise<void> {
    const next = this.#tail.then(() => {
      if (this.#lost) throw this.#lost;
      return this.saver.append(this.#lease, records, run);
    });
    this.#tail = next.catch(() => {});
    return next;
  }

  /** Waits for the appends made so far. */
  drain(): Promise<void> {
    return this.#tail;
  }

  /** Stops the heartbeat and gives the lease up, once the appends made so far are done. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tail;
    await this.#renewing;
    await this.saver.release(this.#lease).catch(() => {});
  }
}

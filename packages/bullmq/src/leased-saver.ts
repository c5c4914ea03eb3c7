import {
  type AcquireOptions,
  type CheckpointInfo,
  type CheckpointRecord,
  type CheckpointSaver,
  type Lease,
  LeaseLostError,
  type NewRunEvent,
  type RunEvent,
  type RunInfo,
  type RunStatus,
} from "flowlet";

/**
 * The saver a worker hands to `flow.run`/`flow.resume`: the worker holds the run's lease for the
 * whole job, and every acquire of that run inside the engine gets the held lease instead of
 * competing for it (release is then a no-op). So a worker that lost the run to another (its job
 * stalled and was redelivered) is fenced: its lease no longer holds and its appends fail.
 */
export class LeasedSaver implements CheckpointSaver {
  readonly #inner: CheckpointSaver;
  readonly #onAppend: (records: CheckpointRecord[]) => void;
  #lease: Lease;
  /** The registry row last written under the lease: the engine reads it back at every save. */
  #info: RunInfo | undefined;
  #sealed = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(inner: CheckpointSaver, lease: Lease, onAppend: (records: CheckpointRecord[]) => void = () => {}) {
    this.#inner = inner;
    this.#lease = lease;
    this.#onAppend = onAppend;
  }

  get name(): string {
    return this.#inner.name;
  }

  /** The held lease, as last renewed. */
  get lease(): Lease {
    return this.#lease;
  }

  async acquire(runId: string, options: AcquireOptions): Promise<Lease> {
    return runId === this.#lease.runId ? this.#lease : this.#inner.acquire(runId, options);
  }

  async renew(lease: Lease): Promise<Lease> {
    const renewed = await this.#inner.renew(lease);
    if (lease.token === this.#lease.token) this.#lease = renewed;
    return renewed;
  }

  async release(lease: Lease): Promise<void> {
    if (lease.token !== this.#lease.token) await this.#inner.release(lease);
  }

  /**
   * Ends the engine's writes: a save still in flight when a canceled run settles would otherwise
   * land after the worker's "canceled" row. Resolves once the appends already sent are done.
   */
  async seal(): Promise<void> {
    this.#sealed = true;
    await Promise.allSettled(this.#inFlight);
  }

  async append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void> {
    if (this.#sealed) throw new LeaseLostError(lease.runId, "the run was canceled, and this worker stopped writing it");
    const pending = this.#inner.append(lease, records, run);
    this.#inFlight.add(pending);
    try {
      await pending;
    } finally {
      this.#inFlight.delete(pending);
    }
    if (lease.token === this.#lease.token) this.#info = structuredClone(run);
    if (records.length > 0) this.#onAppend(records);
  }

  load(runId: string, options?: { seq?: number }): Promise<CheckpointRecord[]> {
    return this.#inner.load(runId, options);
  }

  list(runId: string): Promise<CheckpointInfo[]> {
    return this.#inner.list(runId);
  }

  runs(options?: { status?: RunStatus | RunStatus[]; limit?: number }): Promise<RunInfo[]> {
    return this.#inner.runs(options);
  }

  async run(runId: string): Promise<RunInfo | undefined> {
    // While this worker holds the lease nobody else writes the row, so the last one written is current.
    if (runId === this.#lease.runId && this.#info) return structuredClone(this.#info);
    return this.#inner.run(runId);
  }

  appendEvents(runId: string, events: NewRunEvent[]): Promise<void> {
    return this.#inner.appendEvents(runId, events);
  }

  events(runId: string, options?: { after?: number; limit?: number }): Promise<RunEvent[]> {
    return this.#inner.events(runId, options);
  }

  prune(runId: string, options: { keepFull: number }): Promise<void> {
    return this.#inner.prune(runId, options);
  }

  delete(runId: string): Promise<void> {
    return this.#inner.delete(runId);
  }
}

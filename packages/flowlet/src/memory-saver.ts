import { type Entries, LATEST_STATE, applyBody } from "./body.js";
import { checksumOf } from "./checksum.js";
import { CheckpointConflictError, ConfigError, LeaseLostError, RunExistsError, RunLockedError } from "./errors.js";

import {
  type AcquireOptions,
  type CheckpointInfo,
  type CheckpointRecord,
  type CheckpointSaver,
  type Lease,
  type NewRunEvent,
  type RunEvent,
  type RunInfo,
  type RunStatus,
  chainStart,
  pruneCut,
} from "./saver.js";

interface MemoryRun {
  records: CheckpointRecord[];
  info?: RunInfo;
  events: RunEvent[];
  lease?: { token: string; expiresAt: number; ttlMs: number; released: boolean };
  /** The state at the latest record, kept up to date by each append; undefined when a record of its chain is damaged. */
  state?: { seq: number; entries: Entries };
}

let tokens = 0;

/**
 * Keeps runs in memory: for tests, and for pausing (human-in-the-loop) within one process. Records
 * are kept as given (frozen), and each run's latest state is kept parsed, each append applying its
 * change, so resuming a run costs one state however long its chain of deltas (one state per run:
 * retention bounds the rest). Every lease owner is in this process, so a lease is free only once
 * released or expired.
 */
export class MemorySaver implements CheckpointSaver {
  readonly name = "MemorySaver";
  readonly #runs = new Map<string, MemoryRun>();

  async acquire(runId: string, options: AcquireOptions): Promise<Lease> {
    checkTtl(options.ttlMs);
    const deadline = Date.now() + (options.wait ?? 0);
    for (;;) {
      const run = this.#runs.get(runId);
      if (options.create && run && (run.records.length > 0 || run.info)) {
        throw new RunExistsError(`Run "${runId}" already exists in ${this.name}: resume it, delete it, or pick another runId.`);
      }
      const held = run?.lease;
      if (!held || held.released || held.expiresAt <= Date.now()) {
        const entry = run ?? this.#entry(runId);
        const token = `m${++tokens}-${Math.random().toString(36).slice(2)}`;
        entry.lease = { token, expiresAt: Date.now() + options.ttlMs, ttlMs: options.ttlMs, released: false };
        return { runId, token, expiresAt: entry.lease.expiresAt, ttlMs: options.ttlMs };
      }
      if (Date.now() >= deadline) throw new RunLockedError(runId, `its lease in ${this.name} expires in ${held.expiresAt - Date.now()} ms`);
      await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
    }
  }

  async renew(lease: Lease): Promise<Lease> {
    const held = this.#held(lease);
    held.expiresAt = Date.now() + held.ttlMs;
    return { ...lease, expiresAt: held.expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    const held = this.#runs.get(lease.runId)?.lease;
    if (held?.token === lease.token) held.released = true;
  }

  async append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void> {
    // Checksums first: what follows is synchronous, so the lease check and the append stay atomic.
    const sound = await Promise.all(records.map(async (record) => (await checksumOf(record.body)) === record.checksum));
    this.#held(lease);
    const entry = this.#entry(lease.runId);
    const next = (entry.records.at(-1)?.seq ?? 0) + 1;
    records.forEach((record, i) => {
      if (record.seq !== next + i) throw new CheckpointConflictError(lease.runId, next + i, record.seq);
      if (record.runId !== lease.runId)
        throw new ConfigError(`A record of run "${record.runId}" cannot be appended to run "${lease.runId}".`);
    });
    records.forEach((record, i) => {
      entry.records.push(Object.freeze({ ...record }));
      entry.state = advance(entry.state, record, sound[i] === true);
    });
    // Not structuredClone: it would copy the graph's JSON text (~80 KB for 1,000 nodes) every step,
    // and strings are immutable. Only the nested error object needs its own copy.
    entry.info = Object.freeze({ ...run, ...(run.error && { error: { ...run.error } }) });
  }

  /** @internal */
  [LATEST_STATE](runId: string, seq?: number): { entries: Entries; last: CheckpointRecord } | undefined {
    const run = this.#runs.get(runId);
    const last = run?.records.at(-1);
    if (!last || run?.state?.seq !== last.seq || (seq !== undefined && seq !== last.seq)) return undefined;
    // Copies: the caller restores its shared store from these values and may change them in place.
    const entries: Entries = new Map();
    for (const [name, value] of run.state.entries) entries.set(name, structuredClone(value));
    return { entries, last };
  }

  async load(runId: string, options: { seq?: number } = {}): Promise<CheckpointRecord[]> {
    const records = this.#runs.get(runId)?.records ?? [];
    const end = options.seq === undefined ? records.length - 1 : records.findIndex((r) => r.seq === options.seq);
    if (end < 0) return [];
    return records.slice(chainStart(records, end), end + 1);
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    return (this.#runs.get(runId)?.records ?? []).map(({ body: _body, ...info }) => info);
  }

  async runs(options: { status?: RunStatus | RunStatus[]; limit?: number } = {}): Promise<RunInfo[]> {
    const wanted = options.status === undefined ? undefined : new Set([options.status].flat());
    const rows = [...this.#runs.values()]
      .map((run) => run.info)
      .filter((info): info is RunInfo => info !== undefined && (!wanted || wanted.has(info.status)))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
    return structuredClone(rows.slice(0, options.limit ?? rows.length));
  }

  async run(runId: string): Promise<RunInfo | undefined> {
    const info = this.#runs.get(runId)?.info;
    return info && structuredClone(info);
  }

  async appendEvents(runId: string, events: NewRunEvent[]): Promise<void> {
    const entry = this.#entry(runId);
    for (const event of events) entry.events.push(Object.freeze(structuredClone({ ...event, runId, seq: entry.events.length + 1 })));
  }

  async events(runId: string, options: { after?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const all = this.#runs.get(runId)?.events ?? [];
    const after = options.after ?? 0;
    return structuredClone(all.slice(after, options.limit === undefined ? undefined : after + options.limit));
  }

  async prune(runId: string, options: { keepFull: number }): Promise<void> {
    const entry = this.#runs.get(runId);
    if (entry) entry.records.splice(0, pruneCut(entry.records, options.keepFull));
  }

  async delete(runId: string): Promise<void> {
    this.#runs.delete(runId);
  }

  #entry(runId: string): MemoryRun {
    let run = this.#runs.get(runId);
    if (!run) {
      run = { records: [], events: [] };
      this.#runs.set(runId, run);
    }
    return run;
  }

  #held(lease: Lease): NonNullable<MemoryRun["lease"]> {
    const held = this.#runs.get(lease.runId)?.lease;
    if (held?.token !== lease.token || held.released) throw new LeaseLostError(lease.runId);
    return held;
  }
}

/** The state after `record`, from the state before it; undefined (the chain is read instead) if the record is damaged or has no base. */
function advance(state: MemoryRun["state"], record: CheckpointRecord, sound: boolean): MemoryRun["state"] {
  const base = record.kind === "full" ? new Map() : state?.seq === record.seq - 1 ? state.entries : undefined;
  if (!sound || !base || applyBody(base, record.kind, record.body, record.kind === "full") !== undefined) return undefined;
  return { seq: record.seq, entries: base };
}

function checkTtl(ttlMs: number): void {
  if (!(ttlMs > 0)) throw new ConfigError(`A lease needs a positive ttlMs, got ${ttlMs}.`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Saver v2: the storage contract shared by the core and every checkpoint saver (memory, file,
 * SQLite, PostgreSQL, …).
 *
 * Savers are dumb, atomic storage: an append-only log of records per run, the run's metadata, an
 * event log, and a lease. Everything clever (diffs, checksums, validation against the graph,
 * rebuilding a state from a chain of records) lives once, in the core, so every saver gets it for
 * free. `flowlet/testing`'s `describeSaver` checks a saver against this contract.
 */

/** Where a run stands. `interrupted`, `failed` and `canceled` are terminal until a resume. */
export type RunStatus = "running" | "interrupted" | "completed" | "failed" | "canceled";

/** Every {@link RunStatus}, for validation and UIs. */
export const RUN_STATUSES: readonly RunStatus[] = ["running", "interrupted", "completed", "failed", "canceled"];

/** One entry of a run's history. `body` is JSON text that only the core parses. */
export interface CheckpointRecord {
  runId: string;
  /** 1, 2, 3…: an append must start at exactly the last seq + 1 (compare-and-set). */
  seq: number;
  /** ISO time of the save. */
  at: string;
  status: RunStatus;
  /** The path of the node whose completion this records. */
  node: string;
  /** A delta applies on top of the state at `seq - 1`; a full record stands alone. */
  kind: "full" | "delta";
  /** Of `body`, computed by the core. Savers store it; the core verifies it on load. */
  checksum: string;
  body: string;
}

/** A history row: a record without its body. `list` never reads or parses bodies. */
export type CheckpointInfo = Omit<CheckpointRecord, "body">;

/** One row of the run registry. The core computes it; savers store it as given. */
export interface RunInfo {
  runId: string;
  status: RunStatus;
  /** The top flow's name. */
  flow: string;
  /** Fingerprint of the graph. */
  shape: string;
  /**
   * The graph as JSON text, for UIs: a `GraphDescription` of `describeGraph` (nodes, edges,
   * nesting, batch kinds). The core writes it when a run starts, resumes or forks; runs saved by an
   * older Flowlet may lack it until resumed.
   */
  graph?: string;
  /** ISO times. */
  createdAt: string;
  updatedAt: string;
  /** The last record's seq. */
  steps: number;
  lastNode?: string;
  /** Set on forks: the run and step this one branched from. */
  parentRunId?: string;
  parentSeq?: number;
  /** Set when the run failed or was canceled. */
  error?: { name: string; message: string };
}

/** One entry of a run's append-only event log. */
export interface RunEvent {
  runId: string;
  /** 1, 2, 3… per run, assigned by the saver. */
  seq: number;
  /** ISO time. */
  at: string;
  /**
   * The engine's: "nodeStart" | "nodeEnd" | "nodeError" | "itemStart" | "itemEnd" | "checkpoint" |
   * "interrupt" | "error"; or a node's own, e.g. "llm" (`ctx.emit(data, { log: "llm" })`).
   */
  type: string;
  path?: string;
  /** Any JSON value. */
  data?: unknown;
}

/** An event as the caller gives it: the saver assigns `runId` and `seq`. */
export type NewRunEvent = Omit<RunEvent, "runId" | "seq">;

/** The right to write a run's history, for a while. */
export interface Lease {
  readonly runId: string;
  /** Unique to this grant of the lease: a takeover gets a new token, and the old one stops working. */
  readonly token: string;
  /** Epoch ms after which another owner may take the lease over, unless renewed. */
  readonly expiresAt: number;
  /** The time to live it was granted with; `renew` extends it by as much. */
  readonly ttlMs: number;
}

/** Options of {@link CheckpointSaver.acquire}. */
export interface AcquireOptions {
  /** How long the lease holds without a renew. */
  ttlMs: number;
  /** Poll up to this many ms for a held lease to be released or to expire. Default 0: fail at once. */
  wait?: number;
  /** The run must not exist yet (no records, no registry row): throws `RunExistsError` otherwise, atomically. */
  create?: boolean;
}

/**
 * Storage for durable runs. Implementations: `MemorySaver` here, `FileSaver` in
 * `@flowlet/file-saver`, `SqliteSaver` in `@flowlet/sqlite`, `PostgresSaver` in `@flowlet/postgres`.
 * Every method may be called by several saver instances, in several processes, on one store.
 */
export interface CheckpointSaver {
  /** Human-readable name for errors, e.g. `FileSaver(/tmp/runs)`. */
  readonly name: string;
  /**
   * Takes the run's lease for `ttlMs`. If another live owner holds it: throws `RunLockedError` at
   * once, or polls up to `wait` ms. A lease whose owner is provably gone (same host, its pid has
   * exited: savers record host and pid themselves) or whose TTL expired is taken over. Owners in
   * the same process are live: a second acquire there is refused too.
   */
  acquire(runId: string, options: AcquireOptions): Promise<Lease>;
  /** Extends the lease by its `ttlMs` from now (a heartbeat). Throws `LeaseLostError` if someone else took it over. */
  renew(lease: Lease): Promise<Lease>;
  /** Gives the lease up. A lease already taken over is left to its new owner, silently. */
  release(lease: Lease): Promise<void>;
  /**
   * Appends records atomically, only if `lease` is still the run's current lease (else
   * `LeaseLostError`) and `records[0].seq` is the last seq + 1 (else `CheckpointConflictError`).
   * Records must have consecutive seqs. Also writes `run` as the run's registry row, in the same
   * step. `records` may be empty, to update the registry row alone.
   */
  append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void>;
  /**
   * The records from the newest "full" at or before `seq` (default: the latest) up to `seq`, oldest
   * first; `[]` if the run has no record `seq`.
   */
  load(runId: string, options?: { seq?: number }): Promise<CheckpointRecord[]>;
  /** The run's history, oldest first, without bodies. */
  list(runId: string): Promise<CheckpointInfo[]>;
  /** The registry, newest `updatedAt` first. */
  runs(options?: { status?: RunStatus | RunStatus[]; limit?: number }): Promise<RunInfo[]>;
  /** One registry row. */
  run(runId: string): Promise<RunInfo | undefined>;
  /** Appends to the run's event log; the saver assigns seqs. Needs no lease. */
  appendEvents(runId: string, events: NewRunEvent[]): Promise<void>;
  /** Events with seq > `after` (default 0), oldest first, at most `limit`. */
  events(runId: string, options?: { after?: number; limit?: number }): Promise<RunEvent[]>;
  /**
   * Retention: drops the records older than the newest `keepFull` full records. The chain that the
   * latest state needs is never dropped. Records appended in one call may be kept or dropped together.
   */
  prune(runId: string, options: { keepFull: number }): Promise<void>;
  /** Forgets the run: records, registry row, events and lease. */
  delete(runId: string): Promise<void>;
}

/** Index of the first record to keep so that `keepFull` full records remain (records sorted by seq). */
export function pruneCut(records: readonly Pick<CheckpointInfo, "kind">[], keepFull: number): number {
  let fulls = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i]?.kind === "full" && ++fulls >= Math.max(1, keepFull)) return i;
  }
  return 0;
}

/** Index of the first record `load` returns for the record at `end`: the newest full at or before it. */
export function chainStart(records: readonly Pick<CheckpointInfo, "kind">[], end: number): number {
  for (let i = end; i >= 0; i--) if (records[i]?.kind === "full") return i;
  return 0;
}

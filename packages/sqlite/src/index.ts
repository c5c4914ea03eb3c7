import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import {
  type AcquireOptions,
  CheckpointConflictError,
  CheckpointVersionError,
  type CheckpointInfo,
  type CheckpointRecord,
  type CheckpointSaver,
  CheckpointWriteError,
  ConfigError,
  type Lease,
  LeaseLostError,
  type NewRunEvent,
  type RunEvent,
  RunExistsError,
  type RunInfo,
  RunLockedError,
  type RunStatus,
} from "flowlet";

export interface SqliteSaverOptions {
  /** How long a write waits for another connection's transaction, in ms. Default 10 000. */
  busyTimeout?: number;
}

const HOST = hostname();
/** The first SqliteSaver's table: one whole checkpoint (format version 1) per row. */
const V1_TABLE = "flowlet_checkpoints";
const INFO_COLUMNS = "run_id AS runId, seq, at, status, node, kind, checksum";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS flowlet_records (
  run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, status TEXT NOT NULL, node TEXT NOT NULL,
  kind TEXT NOT NULL, checksum TEXT NOT NULL,
  body TEXT NOT NULL, -- last, so that listing never reads its overflow pages
  PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS flowlet_runs (run_id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at TEXT NOT NULL, info TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS flowlet_runs_updated ON flowlet_runs (updated_at);
CREATE TABLE IF NOT EXISTS flowlet_leases (
  run_id TEXT PRIMARY KEY, token TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL, ttl_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS flowlet_events (
  run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, type TEXT NOT NULL, path TEXT, data TEXT, PRIMARY KEY (run_id, seq));
`;

interface LeaseRow {
  token: string;
  host: string;
  pid: number;
  expires_at: number;
  ttl_ms: number;
}

/**
 * Durable runs in one SQLite file (WAL mode), shared by any number of connections and processes:
 * records, the run registry, event logs and leases are tables, and every change is one
 * `BEGIN IMMEDIATE` transaction, so a lease check and the append it guards are atomic.
 *
 * ```ts
 * const saver = new SqliteSaver("runs.db");
 * await flow.run(shared, { checkpoint: saver, runId: "nightly" });
 * ```
 */
export class SqliteSaver implements CheckpointSaver {
  readonly db: Database.Database;
  readonly name: string;
  readonly #path: string;

  /** @param database a file path, ":memory:", or an open better-sqlite3 database */
  constructor(database: string | Database.Database, options: SqliteSaverOptions = {}) {
    this.#path = typeof database === "string" ? database : database.name;
    this.name = `SqliteSaver(${this.#path})`;
    this.db = this.#writing(undefined, () => {
      const db = typeof database === "string" ? new Database(database) : database;
      db.pragma("journal_mode = WAL");
      db.pragma(`busy_timeout = ${options.busyTimeout ?? 10_000}`);
      db.exec(SCHEMA);
      return db;
    });
  }

  async acquire(runId: string, options: AcquireOptions): Promise<Lease> {
    if (!(options.ttlMs > 0)) throw new ConfigError(`A lease needs a positive ttlMs, got ${options.ttlMs}.`);
    const deadline = Date.now() + (options.wait ?? 0);
    const take = this.db.transaction((): Lease | LeaseRow => {
      const held = this.db.prepare<[string], LeaseRow>("SELECT * FROM flowlet_leases WHERE run_id = ?").get(runId);
      if (held && !free(held)) return held;
      if (options.create && this.#exists(runId)) {
        throw new RunExistsError(`Run "${runId}" already exists in ${this.name}: resume it, delete it, or pick another runId.`);
      }
      if (options.create) this.#refuseLegacy(runId);
      const lease: Lease = { runId, token: randomUUID(), expiresAt: Date.now() + options.ttlMs, ttlMs: options.ttlMs };
      this.db
        .prepare("INSERT OR REPLACE INTO flowlet_leases (run_id, token, host, pid, expires_at, ttl_ms) VALUES (?, ?, ?, ?, ?, ?)")
        .run(runId, lease.token, HOST, process.pid, lease.expiresAt, lease.ttlMs);
      return lease;
    });
    for (;;) {
      const got = this.#writing(runId, () => take.immediate());
      if ("runId" in got) return got;
      if (Date.now() >= deadline) {
        const where = got.host === HOST ? `process ${got.pid} on this host` : `process ${got.pid} on ${got.host}`;
        throw new RunLockedError(runId, `${where} holds its lease in ${this.name} for ${Math.max(0, got.expires_at - Date.now())} ms more`);
      }
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
  }

  async renew(lease: Lease): Promise<Lease> {
    const expiresAt = Date.now() + lease.ttlMs;
    const renew = this.db.transaction(() => {
      this.#check(lease);
      this.db
        .prepare("UPDATE flowlet_leases SET expires_at = ?, pid = ?, host = ? WHERE run_id = ?")
        .run(expiresAt, process.pid, HOST, lease.runId);
    });
    this.#writing(lease.runId, () => renew.immediate());
    return { ...lease, expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    this.#writing(lease.runId, () =>
      this.db.prepare("DELETE FROM flowlet_leases WHERE run_id = ? AND token = ?").run(lease.runId, lease.token),
    );
  }

  async append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void> {
    const { runId } = lease;
    const insert = this.db.prepare(
      "INSERT INTO flowlet_records (run_id, seq, at, status, node, kind, checksum, body) VALUES (@runId, @seq, @at, @status, @node, @kind, @checksum, @body)",
    );
    const append = this.db.transaction(() => {
      this.#check(lease);
      const next = this.#last(runId) + 1;
      records.forEach((record, i) => {
        if (record.runId !== runId) throw new ConfigError(`A record of run "${record.runId}" cannot be appended to run "${runId}".`);
        if (record.seq !== next + i) throw new CheckpointConflictError(runId, next + i, record.seq);
        insert.run(record);
      });
      this.db
        .prepare("INSERT OR REPLACE INTO flowlet_runs (run_id, status, updated_at, info) VALUES (?, ?, ?, ?)")
        .run(runId, run.status, run.updatedAt, JSON.stringify(run));
    });
    this.#writing(runId, () => append.immediate());
  }

  async load(runId: string, options: { seq?: number } = {}): Promise<CheckpointRecord[]> {
    const read = this.db.transaction((): CheckpointRecord[] => {
      const end = options.seq ?? this.#last(runId);
      if (!this.db.prepare("SELECT 1 FROM flowlet_records WHERE run_id = ? AND seq = ?").get(runId, end)) {
        if (this.#last(runId) === 0) this.#refuseLegacy(runId);
        return [];
      }
      const start =
        this.db
          .prepare<[string, number], { seq: number }>(
            "SELECT max(seq) AS seq FROM flowlet_records WHERE run_id = ? AND kind = 'full' AND seq <= ?",
          )
          .get(runId, end)?.seq ?? 0;
      return this.db
        .prepare<[string, number, number], CheckpointRecord>(
          `SELECT ${INFO_COLUMNS}, body FROM flowlet_records WHERE run_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`,
        )
        .all(runId, start, end);
    });
    return read.deferred();
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    return this.db
      .prepare<[string], CheckpointInfo>(`SELECT ${INFO_COLUMNS} FROM flowlet_records WHERE run_id = ? ORDER BY seq`)
      .all(runId);
  }

  async runs(options: { status?: RunStatus | RunStatus[]; limit?: number } = {}): Promise<RunInfo[]> {
    const statuses = options.status === undefined ? undefined : [options.status].flat();
    if (statuses?.length === 0) return [];
    const where = statuses ? `WHERE status IN (${statuses.map(() => "?").join(", ")})` : "";
    const rows = this.db
      .prepare<unknown[], { info: string }>(`SELECT info FROM flowlet_runs ${where} ORDER BY updated_at DESC LIMIT ?`)
      .all(...(statuses ?? []), options.limit ?? -1);
    return rows.map((row) => JSON.parse(row.info) as RunInfo);
  }

  async run(runId: string): Promise<RunInfo | undefined> {
    const row = this.db.prepare<[string], { info: string }>("SELECT info FROM flowlet_runs WHERE run_id = ?").get(runId);
    return row && (JSON.parse(row.info) as RunInfo);
  }

  async appendEvents(runId: string, events: NewRunEvent[]): Promise<void> {
    const insert = this.db.prepare("INSERT INTO flowlet_events (run_id, seq, at, type, path, data) VALUES (?, ?, ?, ?, ?, ?)");
    const append = this.db.transaction(() => {
      let seq =
        this.db.prepare<[string], { seq: number }>("SELECT coalesce(max(seq), 0) AS seq FROM flowlet_events WHERE run_id = ?").get(runId)
          ?.seq ?? 0;
      for (const e of events) insert.run(runId, ++seq, e.at, e.type, e.path ?? null, e.data === undefined ? null : JSON.stringify(e.data));
    });
    this.#writing(runId, () => append.immediate());
  }

  async events(runId: string, options: { after?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const rows = this.db
      .prepare<[string, number, number], { seq: number; at: string; type: string; path: string | null; data: string | null }>(
        "SELECT seq, at, type, path, data FROM flowlet_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      )
      .all(runId, options.after ?? 0, options.limit ?? -1);
    return rows.map(({ seq, at, type, path, data }) => {
      const event: RunEvent = { runId, seq, at, type };
      if (path !== null) event.path = path;
      if (data !== null) event.data = JSON.parse(data);
      return event;
    });
  }

  async prune(runId: string, options: { keepFull: number }): Promise<void> {
    const prune = this.db.transaction(() => {
      const cut = this.db
        .prepare<[string, number], { seq: number }>(
          "SELECT seq FROM flowlet_records WHERE run_id = ? AND kind = 'full' ORDER BY seq DESC LIMIT 1 OFFSET ?",
        )
        .get(runId, Math.max(1, options.keepFull) - 1)?.seq;
      if (cut !== undefined) this.db.prepare("DELETE FROM flowlet_records WHERE run_id = ? AND seq < ?").run(runId, cut);
    });
    this.#writing(runId, () => prune.immediate());
  }

  async delete(runId: string): Promise<void> {
    const remove = this.db.transaction(() => {
      for (const table of ["flowlet_records", "flowlet_runs", "flowlet_leases", "flowlet_events"]) {
        this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
      }
      if (this.#hasLegacyTable()) this.db.prepare(`DELETE FROM ${V1_TABLE} WHERE run_id = ?`).run(runId);
    });
    this.#writing(runId, () => remove.immediate());
  }

  close(): void {
    this.db.close();
  }

  #check(lease: Lease): void {
    const held = this.db.prepare<[string], LeaseRow>("SELECT * FROM flowlet_leases WHERE run_id = ?").get(lease.runId);
    if (held?.token !== lease.token) {
      throw new LeaseLostError(
        lease.runId,
        held ? `process ${held.pid} on ${held.host} took its lease over` : "its lease was released or removed",
      );
    }
  }

  #last(runId: string): number {
    return (
      this.db.prepare<[string], { seq: number }>("SELECT coalesce(max(seq), 0) AS seq FROM flowlet_records WHERE run_id = ?").get(runId)
        ?.seq ?? 0
    );
  }

  /** Throws CheckpointVersionError if the first SqliteSaver's table (one whole checkpoint per row, version 1) holds the run. */
  #refuseLegacy(runId: string): void {
    if (!this.#hasLegacyTable()) return;
    if (this.db.prepare(`SELECT 1 FROM ${V1_TABLE} WHERE run_id = ? LIMIT 1`).get(runId) === undefined) return;
    throw new CheckpointVersionError({ runId, saver: this.name, path: `${this.#path}, table ${V1_TABLE}`, version: 1 });
  }

  #hasLegacyTable(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(V1_TABLE) !== undefined;
  }

  #exists(runId: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM flowlet_records WHERE run_id = ? LIMIT 1").get(runId) !== undefined ||
      this.db.prepare("SELECT 1 FROM flowlet_runs WHERE run_id = ?").get(runId) !== undefined
    );
  }

  /** Runs a write; a full disk, a read-only file or one that cannot be opened becomes a CheckpointWriteError. */
  #writing<T>(runId: string | undefined, work: () => T): T {
    try {
      return work();
    } catch (error) {
      const code = writeFailure((error as { code?: unknown }).code);
      if (code) throw new CheckpointWriteError({ saver: this.name, path: this.#path, code, runId, cause: error });
      throw error;
    }
  }
}

/** The typed failure behind an SQLite error code, if it means "cannot write here". */
function writeFailure(code: unknown): string | undefined {
  if (typeof code !== "string") return undefined;
  if (code === "SQLITE_FULL" || code === "SQLITE_IOERR_WRITE" || code === "SQLITE_IOERR_FSYNC") return code;
  if (code.startsWith("SQLITE_READONLY")) return "SQLITE_READONLY";
  if (code.startsWith("SQLITE_CANTOPEN")) return "SQLITE_CANTOPEN";
  if (code === "SQLITE_PERM" || code === "SQLITE_AUTH") return "EACCES";
  return undefined;
}

function free(held: LeaseRow): boolean {
  if (held.expires_at <= Date.now()) return true;
  return held.host === HOST && held.pid !== process.pid && !alive(held.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

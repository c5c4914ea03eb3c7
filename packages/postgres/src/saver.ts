import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  type AcquireOptions,
  CheckpointConflictError,
  type CheckpointInfo,
  type CheckpointRecord,
  type CheckpointSaver,
  CheckpointWriteError,
  type Lease,
  LeaseLostError,
  type NewRunEvent,
  type RunEvent,
  RunExistsError,
  type RunInfo,
  RunLockedError,
  type RunStatus,
} from "flowlet";
import pg from "pg";
import { PostgresSaverConfigError } from "./errors.js";
import { migrate } from "./migrations.js";

/** Options of {@link PostgresSaver}: where the database is, and which schema holds Flowlet's tables. */
export interface PostgresSaverOptions {
  /** `postgres://user:password@host:port/database`. The saver opens (and `close` ends) its own pool. */
  connectionString?: string;
  /** An existing `pg` pool to share with the application; `close` leaves it open. */
  pool?: pg.Pool;
  /** The PostgreSQL schema for Flowlet's tables, created if missing. Default `public`. */
  schema?: string;
  /** Pool size when the saver opens its own pool. Default 10. */
  max?: number;
}

// Lease times use the database's clock, so that owners on hosts with skewed clocks agree on expiry.
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

const INFO_COLUMNS = "run_id, seq, at, status, node, kind, checksum";

interface RecordRow {
  run_id: string;
  seq: number;
  at: string;
  status: RunStatus;
  node: string;
  kind: "full" | "delta";
  checksum: string;
  body?: Buffer;
}

/**
 * A Saver v2 on PostgreSQL: checkpoint records, run registry, event log and leases in five tables,
 * created by a migration on first use. Every append is one statement that checks the lease and the
 * sequence number under the lease row's lock, so a stale owner can never overwrite history, and
 * many worker processes on many hosts can share one database.
 *
 * ```ts
 * const saver = new PostgresSaver({ connectionString: process.env.DATABASE_URL });
 * await flow.run(shared, { checkpoint: saver, runId: "nightly" });
 * await saver.close();
 * ```
 */
export class PostgresSaver implements CheckpointSaver {
  readonly name: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #schema: string;
  readonly #table: (name: string) => string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresSaverOptions) {
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new PostgresSaverConfigError(`schema must be a lower-case SQL identifier (letters, digits, _), got ${JSON.stringify(schema)}.`);
    }
    if (options.pool && options.connectionString) {
      throw new PostgresSaverConfigError("Pass either connectionString or pool to PostgresSaver, not both.");
    }
    if (options.pool) {
      this.#pool = options.pool;
      this.#ownsPool = false;
    } else if (options.connectionString) {
      this.#pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
      this.#ownsPool = true;
      // An idle client's error (the server restarted) would otherwise crash the process; the next
      // query gets a fresh connection, or its own error.
      this.#pool.on("error", () => {});
    } else {
      throw new PostgresSaverConfigError("PostgresSaver needs { connectionString } or { pool }.");
    }
    this.#schema = schema;
    this.#table = (name) => `"${schema}".${name}`;
    this.name = `PostgresSaver(${where(options.connectionString)}${schema === "public" ? "" : `, schema ${schema}`})`;
  }

  /** The `pg` pool the saver queries through. */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async acquire(runId: string, options: AcquireOptions): Promise<Lease> {
    if (!(options.ttlMs > 0)) throw new PostgresSaverConfigError(`A lease needs a positive ttlMs, got ${options.ttlMs}.`);
    await this.#migrated();
    const fast = await this.#quickAcquire(runId, options);
    if (fast) return fast;
    const deadline = Date.now() + (options.wait ?? 0);
    for (;;) {
      const outcome = await this.#tryAcquire(runId, options);
      if (typeof outcome !== "string") return outcome;
      if (Date.now() >= deadline) throw new RunLockedError(runId, outcome);
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
  }

  /**
   * The common case in one statement: the lease is free (never taken, released or expired) and,
   * with `create`, the run does not exist. Anything else (a live holder, one whose process may have
   * died, a run that exists) goes to the transaction below, which can tell them apart.
   */
  async #quickAcquire(runId: string, options: AcquireOptions): Promise<Lease | undefined> {
    const t = this.#table;
    const token = randomUUID();
    const ttl = Math.ceil(options.ttlMs);
    const { rows } = await this.#pool.query<{ expires_at: number }>({
      name: `flowlet_acquire_${this.#schema}_${options.create ? 1 : 0}`,
      text: `INSERT INTO ${t("flowlet_leases")} AS l (run_id, token, expires_at, ttl_ms, host, pid, released, last_seq)
             VALUES ($1, $2, ${NOW_MS} + $3, $3, $4, $5, false, 0)
             ON CONFLICT (run_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, ttl_ms = excluded.ttl_ms,
               host = excluded.host, pid = excluded.pid, released = false
             WHERE (l.released OR l.expires_at <= ${NOW_MS})
               ${options.create ? `AND l.last_seq = 0 AND NOT EXISTS (SELECT 1 FROM ${t("flowlet_runs")} WHERE run_id = $1)` : ""}
             RETURNING expires_at::float8 AS expires_at`,
      values: [runId, token, ttl, hostname(), process.pid],
    });
    if (!rows[0]) return undefined;
    return { runId, token, expiresAt: rows[0].expires_at, ttlMs: options.ttlMs };
  }

  /** One attempt: the lease, or why it is held. */
  async #tryAcquire(runId: string, options: AcquireOptions): Promise<Lease | string> {
    const t = this.#table;
    return this.#transaction(async (client) => {
      await client.query(`INSERT INTO ${t("flowlet_leases")} (run_id, last_seq) VALUES ($1, 0) ON CONFLICT (run_id) DO NOTHING`, [runId]);
      const { rows } = await client.query<{
        token: string | null;
        released: boolean;
        left: number;
        host: string | null;
        pid: number | null;
        last_seq: number;
      }>(
        `SELECT token, released, (expires_at - ${NOW_MS})::float8 AS left, host, pid, last_seq
         FROM ${t("flowlet_leases")} WHERE run_id = $1 FOR UPDATE`,
        [runId],
      );
      const held = rows[0]!;
      if (options.create) {
        const registered = await client.query(`SELECT 1 FROM ${t("flowlet_runs")} WHERE run_id = $1`, [runId]);
        if (held.last_seq > 0 || registered.rowCount) {
          throw new RunExistsError(`Run "${runId}" already exists in ${this.name}: resume it, delete it, or pick another runId.`);
        }
      }
      if (!held.released && held.left > 0 && !ownerGone(held.host, held.pid)) {
        return `its lease in ${this.name} is held by ${held.host ?? "?"} pid ${held.pid ?? "?"} and expires in ${Math.ceil(held.left)} ms`;
      }
      const token = randomUUID();
      const granted = await client.query<{ expires_at: number }>(
        `UPDATE ${t("flowlet_leases")} SET token = $2, expires_at = ${NOW_MS} + $3, ttl_ms = $3, host = $4, pid = $5, released = false
         WHERE run_id = $1 RETURNING expires_at::float8 AS expires_at`,
        [runId, token, Math.ceil(options.ttlMs), hostname(), process.pid],
      );
      return { runId, token, expiresAt: granted.rows[0]!.expires_at, ttlMs: options.ttlMs };
    });
  }

  async renew(lease: Lease): Promise<Lease> {
    await this.#migrated();
    const { rows } = await this.#pool.query<{ expires_at: number }>(
      `UPDATE ${this.#table("flowlet_leases")} SET expires_at = ${NOW_MS} + ttl_ms
       WHERE run_id = $1 AND token = $2 AND NOT released RETURNING expires_at::float8 AS expires_at`,
      [lease.runId, lease.token],
    );
    if (!rows[0]) throw new LeaseLostError(lease.runId);
    return { ...lease, expiresAt: rows[0].expires_at };
  }

  async release(lease: Lease): Promise<void> {
    await this.#migrated();
    await this.#pool.query(`UPDATE ${this.#table("flowlet_leases")} SET released = true WHERE run_id = $1 AND token = $2`, [
      lease.runId,
      lease.token,
    ]);
  }

  /**
   * One statement, so one round trip: the UPDATE of the lease row is the compare-and-set (it
   * matches only the current token and the expected last seq, re-checked on the newest row
   * version after waiting for a concurrent writer's lock), and the inserts run only if it matched.
   */
  async append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void> {
    const { runId } = lease;
    records.forEach((record, i) => {
      const first = records[0]!.seq;
      if (record.runId !== runId)
        throw new PostgresSaverConfigError(`A record of run "${record.runId}" cannot be appended to run "${runId}".`);
      if (record.seq !== first + i) throw new CheckpointConflictError(runId, first + i, record.seq);
    });
    await this.#migrated();
    const t = this.#table;
    // One VALUES row per record with plain parameters: a body goes to the server as raw bytes
    // (node-postgres sends Buffers in binary), where an array parameter would be hex-escaped text.
    const values: unknown[] = [runId, lease.token, records.length, records[0]?.seq ?? null, run.status, run.updatedAt, JSON.stringify(run)];
    const rowsSql = records.map((r) => {
      const at = values.push(r.seq, r.at, r.status, r.node, r.kind, r.checksum, Buffer.from(r.body, "utf8"));
      const p = (i: number) => `$${at - 6 + i}`;
      return `(${p(0)}::integer, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}::bytea)`;
    });
    let matched: number;
    try {
      const { rows } = await this.#pool.query<{ matched: number }>({
        name: `flowlet_append_${this.#schema}_${records.length}`,
        text: `WITH lease AS (
           UPDATE ${t("flowlet_leases")} SET last_seq = last_seq + $3
           WHERE run_id = $1 AND token = $2 AND NOT released AND ($4::integer IS NULL OR last_seq + 1 = $4)
           RETURNING run_id
         )${
           records.length === 0
             ? ""
             : `, ins AS (
           INSERT INTO ${t("flowlet_checkpoints")} (run_id, seq, at, status, node, kind, checksum, body)
           SELECT lease.run_id, r.seq, r.at, r.status, r.node, r.kind, r.checksum, r.body
           FROM lease, (VALUES ${rowsSql.join(", ")}) AS r(seq, at, status, node, kind, checksum, body)
           RETURNING 1
         )`
         }, reg AS (
           INSERT INTO ${t("flowlet_runs")} (run_id, status, updated_at, info) SELECT run_id, $5, $6, $7 FROM lease
           ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, info = excluded.info
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM lease)::integer AS matched`,
        values,
      });
      matched = rows[0]?.matched ?? 0;
    } catch (error) {
      // A duplicate key cannot happen while last_seq and the records agree; if it does, refuse rather than overwrite.
      if ((error as { code?: string }).code === "23505")
        throw new CheckpointConflictError(runId, (await this.#lastSeq(runId)) + 1, records[0]?.seq ?? 0);
      throw this.#writeError(error, "flowlet_checkpoints", runId);
    }
    if (matched === 1) return;
    // Nothing was written: say why, from a fresh read.
    const { rows } = await this.#pool.query<{ token: string | null; released: boolean; last_seq: number }>(
      `SELECT token, released, last_seq FROM ${t("flowlet_leases")} WHERE run_id = $1`,
      [runId],
    );
    const now = rows[0];
    if (!now || now.token !== lease.token || now.released) {
      throw new LeaseLostError(runId, now ? undefined : "the run was deleted");
    }
    throw new CheckpointConflictError(runId, now.last_seq + 1, records[0]?.seq ?? 0);
  }

  async load(runId: string, options: { seq?: number } = {}): Promise<CheckpointRecord[]> {
    await this.#migrated();
    const t = this.#table;
    const { rows } = await this.#pool.query<RecordRow>(
      `WITH target AS (
         SELECT seq FROM ${t("flowlet_checkpoints")} WHERE run_id = $1 AND ($2::integer IS NULL OR seq = $2) ORDER BY seq DESC LIMIT 1
       ), start AS (
         SELECT coalesce(max(c.seq), 0) AS seq FROM ${t("flowlet_checkpoints")} c, target
         WHERE c.run_id = $1 AND c.kind = 'full' AND c.seq <= target.seq
       )
       SELECT ${INFO_COLUMNS}, body FROM ${t("flowlet_checkpoints")} c
       WHERE c.run_id = $1 AND c.seq >= (SELECT seq FROM start) AND c.seq <= (SELECT seq FROM target)
       ORDER BY c.seq`,
      [runId, options.seq ?? null],
    );
    return rows.map((row) => ({ ...info(row), body: row.body!.toString("utf8") }));
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    await this.#migrated();
    const { rows } = await this.#pool.query<RecordRow>(
      `SELECT ${INFO_COLUMNS} FROM ${this.#table("flowlet_checkpoints")} WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows.map(info);
  }

  async runs(options: { status?: RunStatus | RunStatus[]; limit?: number } = {}): Promise<RunInfo[]> {
    await this.#migrated();
    const statuses = options.status === undefined ? null : [options.status].flat();
    const { rows } = await this.#pool.query<{ info: string }>(
      `SELECT info FROM ${this.#table("flowlet_runs")} WHERE ($1::text[] IS NULL OR status = ANY($1))
       ORDER BY updated_at DESC, run_id LIMIT $2`,
      [statuses, options.limit ?? null],
    );
    return rows.map((row) => JSON.parse(row.info) as RunInfo);
  }

  async run(runId: string): Promise<RunInfo | undefined> {
    await this.#migrated();
    const { rows } = await this.#pool.query<{ info: string }>(`SELECT info FROM ${this.#table("flowlet_runs")} WHERE run_id = $1`, [runId]);
    return rows[0] && (JSON.parse(rows[0].info) as RunInfo);
  }

  /** Seqs come from a per-run counter row, incremented and used in one statement, so concurrent writers never collide. */
  async appendEvents(runId: string, events: NewRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#migrated();
    const t = this.#table;
    try {
      await this.#pool.query(
        `WITH counter AS (
           INSERT INTO ${t("flowlet_event_counters")} AS c (run_id, last) VALUES ($1, $2)
           ON CONFLICT (run_id) DO UPDATE SET last = c.last + $2
           RETURNING last
         )
         INSERT INTO ${t("flowlet_events")} (run_id, seq, at, type, path, data)
         SELECT $1, counter.last - $2 + e.ord, e.at, e.type, e.path, e.data
         FROM counter, unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(at, type, path, data, ord)`,
        [
          runId,
          events.length,
          events.map((e) => e.at),
          events.map((e) => e.type),
          events.map((e) => e.path ?? null),
          events.map((e) => (e.data === undefined ? null : JSON.stringify(e.data))),
        ],
      );
    } catch (error) {
      throw this.#writeError(error, "flowlet_events", runId);
    }
  }

  async events(runId: string, options: { after?: number; limit?: number } = {}): Promise<RunEvent[]> {
    await this.#migrated();
    const { rows } = await this.#pool.query<{ seq: number; at: string; type: string; path: string | null; data: string | null }>(
      `SELECT seq, at, type, path, data FROM ${this.#table("flowlet_events")} WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, options.after ?? 0, options.limit ?? null],
    );
    return rows.map((row) => {
      const event: RunEvent = { runId, seq: row.seq, at: row.at, type: row.type };
      if (row.path !== null) event.path = row.path;
      if (row.data !== null) event.data = JSON.parse(row.data);
      return event;
    });
  }

  async prune(runId: string, options: { keepFull: number }): Promise<void> {
    await this.#migrated();
    const t = this.#table;
    await this.#pool.query(
      `DELETE FROM ${t("flowlet_checkpoints")} WHERE run_id = $1 AND seq < (
         SELECT seq FROM ${t("flowlet_checkpoints")} WHERE run_id = $1 AND kind = 'full' ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
      [runId, Math.max(1, Math.floor(options.keepFull)) - 1],
    );
  }

  async delete(runId: string): Promise<void> {
    await this.#migrated();
    await this.#transaction(async (client) => {
      for (const table of ["flowlet_leases", "flowlet_checkpoints", "flowlet_runs", "flowlet_event_counters", "flowlet_events"]) {
        await client.query(`DELETE FROM ${this.#table(table)} WHERE run_id = $1`, [runId]);
      }
    });
  }

  /** Ends the saver's own pool (not one passed in). */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  #migrated(): Promise<void> {
    this.#ready ??= (async () => {
      const client = await this.#pool.connect();
      try {
        await migrate(client, `"${this.#schema}"`);
      } finally {
        client.release();
      }
    })().catch((error) => {
      this.#ready = undefined; // a later call retries, e.g. once the server is reachable again
      throw error;
    });
    return this.#ready;
  }

  async #lastSeq(runId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ last_seq: number }>(
      `SELECT last_seq FROM ${this.#table("flowlet_leases")} WHERE run_id = $1`,
      [runId],
    );
    return rows[0]?.last_seq ?? 0;
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  #writeError(error: unknown, table: string, runId: string): CheckpointWriteError {
    const code = (error as { code?: string }).code;
    return new CheckpointWriteError({ saver: this.name, path: `${this.#schema}.${table}`, code, runId, cause: error });
  }
}

function info(row: RecordRow): CheckpointInfo {
  return { runId: row.run_id, seq: row.seq, at: row.at, status: row.status, node: row.node, kind: row.kind, checksum: row.checksum };
}

/** Host, port and database of a connection string, never its password. */
function where(connectionString: string | undefined): string {
  if (!connectionString) return "pool";
  try {
    const url = new URL(connectionString);
    return `${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
  } catch {
    return "postgres";
  }
}

/** True when the owner ran on this host and its process has exited: its lease can be taken at once. */
function ownerGone(host: string | null, pid: number | null): boolean {
  if (host !== hostname() || pid === null) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

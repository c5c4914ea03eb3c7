import type { PoolClient } from "pg";
import { PostgresSchemaError } from "./errors.js";

/**
 * The schema, as a list of migrations applied in order, each once. Never edit a shipped migration:
 * append a new one, so that databases migrated by an older version catch up.
 *
 * - `flowlet_checkpoints`: the append-only record log; (run_id, seq) is the primary key, so two
 *   writers can never both write one step, whatever else goes wrong. Bodies are UTF-8 `bytea`, not
 *   `text`, because PostgreSQL's text cannot hold U+0000 and a body must round-trip as given.
 * - `flowlet_runs`: the registry; `info` holds the core's RunInfo verbatim, status and updated_at
 *   are copied out of it for filtering and ordering.
 * - `flowlet_leases`: one row per run, locked with FOR UPDATE by every acquire and append.
 * - `flowlet_event_counters` + `flowlet_events`: the event log, with seqs handed out under a row lock.
 */
const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.flowlet_checkpoints (
      run_id text NOT NULL, seq integer NOT NULL, at text NOT NULL, status text NOT NULL, node text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('full', 'delta')), checksum text NOT NULL, body bytea NOT NULL,
      PRIMARY KEY (run_id, seq));
    CREATE INDEX flowlet_checkpoints_full ON ${s}.flowlet_checkpoints (run_id, seq) WHERE kind = 'full';
    CREATE TABLE ${s}.flowlet_runs (
      run_id text PRIMARY KEY, status text NOT NULL, updated_at text NOT NULL, info text NOT NULL);
    CREATE INDEX flowlet_runs_updated ON ${s}.flowlet_runs (updated_at DESC, run_id);
    CREATE INDEX flowlet_runs_status ON ${s}.flowlet_runs (status, updated_at DESC);
    CREATE TABLE ${s}.flowlet_leases (
      run_id text PRIMARY KEY, token text, expires_at bigint NOT NULL DEFAULT 0, ttl_ms integer NOT NULL DEFAULT 0,
      host text, pid integer, released boolean NOT NULL DEFAULT true, last_seq integer NOT NULL DEFAULT 0);
    CREATE TABLE ${s}.flowlet_event_counters (run_id text PRIMARY KEY, last integer NOT NULL);
    CREATE TABLE ${s}.flowlet_events (
      run_id text NOT NULL, seq integer NOT NULL, at text NOT NULL, type text NOT NULL, path text, data text,
      PRIMARY KEY (run_id, seq));`,
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to date, once per database even when many workers start together: the
 * migrations run in one transaction under an advisory lock, so a second migrator waits and then
 * finds nothing to do.
 */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`flowlet_schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.flowlet_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${schema}.flowlet_schema`);
    const current = rows[0]?.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new PostgresSchemaError(
        `Schema ${schema} is at version ${current}, newer than this @flowlet/postgres understands ` +
          `(${SCHEMA_VERSION}). Upgrade @flowlet/postgres.`,
      );
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v]!(schema));
      await client.query(`INSERT INTO ${schema}.flowlet_schema (version) VALUES ($1)`, [v + 1]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

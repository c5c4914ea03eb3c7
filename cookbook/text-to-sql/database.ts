import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/** The committed seed the example's database is built from. */
export const SEED_SQL = new URL("./shop.sql", import.meta.url);

/**
 * Opens the shop database at `path` read-only, building it from the seed first if it does not
 * exist. Read-only because the SQL it runs is written by a model: it may read, never change, data.
 */
export function openShop(path: string): Database.Database {
  if (!existsSync(path)) createFromSeed(path);
  return new Database(path, { readonly: true, fileMustExist: true });
}

function createFromSeed(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // Built under a temporary name and renamed, so an interrupted first run never leaves half a database.
  const partial = `${path}.${process.pid}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(partial);
  try {
    db.exec(readFileSync(SEED_SQL, "utf8"));
  } finally {
    db.close();
  }
  renameSync(partial, path);
}

/** The schema as the model should see it: every table's CREATE statement. */
export function describeSchema(db: Database.Database): string {
  const rows = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL ORDER BY name").all() as {
    sql: string;
  }[];
  return rows.map((row) => `${row.sql};`).join("\n\n");
}

/** A query's result: column names and rows, as the Answer step and the user see them. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** Runs one read-only statement. SQLite's own error (syntax, unknown column...) is what the debug step gets. */
export function runQuery(db: Database.Database, sql: string, maxRows = 50): QueryResult {
  const statement = db.prepare(sql);
  if (!statement.reader) throw new Error("Only a query that returns rows (SELECT or WITH ... SELECT) may run here.");
  const columns = statement.columns().map((column) => column.name);
  const rows: unknown[][] = [];
  for (const row of statement.raw().iterate() as Iterable<unknown[]>) {
    rows.push(row);
    if (rows.length === maxRows) break;
  }
  return { columns, rows };
}

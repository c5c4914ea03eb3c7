import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CheckpointSaver } from "flowlet";
import { CheckpointSourceError } from "../errors.js";

const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * Opens the saver that wrote `target`: a directory (FileSaver), a SQLite file, or a
 * `postgres://` URL (through `@flowlet/postgres`, when installed). Studio only reads, except when
 * it resumes or forks a run for you.
 */
export async function openSaver(target: string): Promise<CheckpointSaver> {
  if (/^postgres(ql)?:\/\//.test(target)) return openPostgres(target);
  const path = resolve(target);
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new CheckpointSourceError(
      `--checkpoints ${target}: no such file or directory. Give the folder of a FileSaver, a SQLite file of SqliteSaver, or a postgres:// URL.`,
    );
  }
  if (info.isDirectory()) {
    const { FileSaver } = await import("@flowlet/file-saver");
    return new FileSaver(path);
  }
  if (await isSQLite(path)) {
    const { SqliteSaver } = await import("@flowlet/sqlite");
    return new SqliteSaver(path);
  }
  throw new CheckpointSourceError(
    `--checkpoints ${target} is a file but not a SQLite database. Give a FileSaver folder, a SQLite file or a postgres:// URL.`,
  );
}

async function isSQLite(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    await handle.read(head, 0, head.length, 0);
    return head.toString("latin1") === SQLITE_MAGIC;
  } finally {
    await handle.close();
  }
}

/** Postgres support is optional: `@flowlet/postgres` is imported only when a URL is given. */
async function openPostgres(url: string): Promise<CheckpointSaver> {
  const specifier = "@flowlet/postgres"; // a variable, so the type checker does not require the package
  let module: { PostgresSaver?: new (options: { connectionString: string }) => CheckpointSaver };
  try {
    module = (await import(specifier)) as typeof module;
  } catch {
    throw new CheckpointSourceError(
      "A postgres:// URL needs the @flowlet/postgres package: npm install @flowlet/postgres, then start Studio again.",
    );
  }
  if (!module.PostgresSaver) throw new CheckpointSourceError("@flowlet/postgres has no PostgresSaver export: update it.");
  return new module.PostgresSaver({ connectionString: url });
}

import { randomUUID } from "node:crypto";
import { type FileHandle, link, mkdir, open, readdir, rm, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { CheckpointWriteError } from "flowlet";

/** Error codes that mean "this place cannot be written", reported as a typed CheckpointWriteError. */
const WRITE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"]);

export const HOST = hostname();
/** This host as temporary file names carry it. */
const HOST_TAG = HOST.replaceAll("-", "_");
// Host names are written with "_" for "-", so the host is everything up to the first "-" (a greedy
// match would take a UUID part made of digits for the pid, and never sweep that file).
const TEMP = /^\.tmp-([^-]+)-(\d+)-[0-9a-f-]+$/;

/** Runs a write; a disk-full, read-only or permission failure becomes a CheckpointWriteError naming `path`. */
export async function writing<T>(saver: string, path: string, runId: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && WRITE_CODES.has(code)) throw new CheckpointWriteError({ saver, path, code, runId, cause: error });
    throw error;
  }
}

/** A temporary file name in `dir` that says which process made it, so a later owner can clean it up. */
export function tempName(dir: string): string {
  return join(dir, `.tmp-${HOST_TAG}-${process.pid}-${randomUUID()}`);
}

/** Writes `data` to a new temporary file in `dir`, fsynced if asked; returns its path. */
export async function writeTemp(dir: string, data: string, fsync: boolean): Promise<string> {
  const temp = tempName(dir);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "wx");
    await handle.writeFile(data);
    if (fsync) await handle.sync();
    await handle.close();
    handle = undefined;
    return temp;
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Puts `data` at `path` only if nothing is there yet: written to a temporary file, then hard-linked
 * into place. Like O_EXCL, link(2) fails if the name exists; unlike O_EXCL it never exposes a
 * half-written file. Returns false if `path` existed.
 */
export async function createExclusive(dir: string, path: string, data: string, fsync: boolean): Promise<boolean> {
  const temp = await writeTemp(dir, data, fsync);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** fsyncs a directory, so that the names just created or renamed in it survive a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether a process of this host is alive. EPERM means it exists under another user. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files in `dir` that are provably not in flight: those of a process of this
 * host that has exited, and those of any other process untouched for `staleMs` (a writer that stalls
 * that long has lost its lease anyway). This process's own are left alone.
 */
export async function sweepTemps(dir: string, staleMs: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || (m[1] === HOST_TAG && Number(m[2]) === process.pid)) continue;
    const path = join(dir, name);
    const dead = m[1] === HOST_TAG && !alive(Number(m[2]));
    const stale =
      !dead &&
      (await stat(path).then(
        (s) => Date.now() - s.mtimeMs > staleMs,
        () => false,
      ));
    if (dead || stale) await rm(path, { force: true });
  }
}

/** Reads the first line of a file (without its newline), reading no more than needed. */
export async function readFirstLine(path: string): Promise<{ line: string; complete: boolean }> {
  const handle = await open(path, "r");
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.alloc(position === 0 ? 4096 : 65536);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return { line: Buffer.concat(chunks).toString("utf8"), complete: false };
      const chunk = buffer.subarray(0, bytesRead);
      const newline = chunk.indexOf(10);
      if (newline >= 0) {
        chunks.push(chunk.subarray(0, newline));
        return { line: Buffer.concat(chunks).toString("utf8"), complete: true };
      }
      chunks.push(chunk);
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p that reports the real reason it failed: Node's recursive mkdir says ENOENT on a
 * read-only file system, where EROFS is the truth.
 */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(path) === path) throw error;
    await ensureDir(dirname(path));
    await mkdir(path).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}

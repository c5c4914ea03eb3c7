import { randomUUID } from "node:crypto";
import { open, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type AcquireOptions,
  CheckpointConflictError,
  CheckpointVersionError,
  type CheckpointInfo,
  type CheckpointRecord,
  type CheckpointSaver,
  ConfigError,
  type Lease,
  LeaseLostError,
  type NewRunEvent,
  type RunEvent,
  RunExistsError,
  type RunInfo,
  RunLockedError,
  type RunStatus,
  chainStart,
  pruneCut,
} from "flowlet";
import { HOST, alive, createExclusive, ensureDir, readFirstLine, sweepTemps, syncDir, writeTemp, writing } from "./fs-utils.js";

export interface FileSaverOptions {
  /**
   * fsync each write and its directory before it resolves, so it survives a power cut, not only a
   * crash. Default true; turn off for throwaway runs and tests.
   */
  fsync?: boolean;
}

/** What a lease file holds. The file's generation number is in its name: the highest one is the lease. */
interface LeaseFile {
  token: string;
  host: string;
  pid: number;
  expiresAt: number;
  ttlMs: number;
}

/** The header line of a segment file: its records without their bodies, and each body's length. */
interface SegmentHeader {
  v: 2;
  records: (CheckpointInfo & { length: number })[];
}

interface Indexed {
  info: CheckpointInfo;
  file: string;
  /** Where the body starts in the file's text after the header line, and its length; undefined if the header is damaged. */
  offset?: number;
  length?: number;
}

const SEGMENT = /^s\.(\d{10})\.json$/;
const LEASE = /^lease\.(\d{10})$/;
const pad = (n: number) => String(n).padStart(10, "0");

/**
 * Durable runs as files, one directory per run:
 *
 * - `s.<seq>.json`: one file per append, its records' metadata on the first line, then the bodies.
 *   Written to a temporary file and hard-linked into place, so an append lands whole or not at all,
 *   and two writers can never both write the same seq (link fails on an existing name).
 * - `lease.<generation>`: the lease. Taking it creates the next generation exclusively, so exactly
 *   one contender wins; the owner's host and pid are in it, so a crashed owner on this host is taken
 *   over at once, and any other after its ttl.
 * - `run.json`: the registry row; `events.jsonl`: the append-only event log.
 *
 * A disk that is full, read-only or not writable by this process gives a `CheckpointWriteError`
 * naming the path. Temporary files that are provably not in flight (their process has exited, or
 * they are older than the lease's ttl) are removed when a lease is taken and when a run's history is
 * listed or pruned.
 */
export class FileSaver implements CheckpointSaver {
  readonly name: string;
  readonly #fsync: boolean;

  constructor(
    readonly dir: string,
    options: FileSaverOptions = {},
  ) {
    this.name = `FileSaver(${dir})`;
    this.#fsync = options.fsync ?? true;
  }

  async acquire(runId: string, options: AcquireOptions): Promise<Lease> {
    if (!(options.ttlMs > 0)) throw new ConfigError(`A lease needs a positive ttlMs, got ${options.ttlMs}.`);
    const runDir = this.#runDir(runId);
    const deadline = Date.now() + (options.wait ?? 0);
    for (;;) {
      await this.#write(runDir, runId, () => ensureDir(runDir));
      const { gens } = await this.#scan(runDir);
      const top = gens.at(-1);
      const holder = top === undefined ? undefined : await this.#readLease(runDir, top);
      if (holder === null) continue; // removed while we looked: look again
      if (!holder || free(holder)) {
        const gen = (top ?? 0) + 1;
        const file: LeaseFile = {
          token: `${gen}.${randomUUID()}`,
          host: HOST,
          pid: process.pid,
          expiresAt: Date.now() + options.ttlMs,
          ttlMs: options.ttlMs,
        };
        const path = leasePath(runDir, gen);
        if (!(await this.#write(path, runId, () => createExclusive(runDir, path, JSON.stringify(file), this.#fsync)))) continue;
        const lease: Lease = { runId, token: file.token, expiresAt: file.expiresAt, ttlMs: file.ttlMs };
        for (const old of gens) await rm(leasePath(runDir, old), { force: true });
        await sweepTemps(runDir, Math.max(options.ttlMs, holder?.ttlMs ?? 0));
        if (options.create) {
          const now = await this.#scan(runDir);
          if (now.segments.length > 0 || now.hasRun) {
            await this.release(lease);
            throw new RunExistsError(`Run "${runId}" already exists in ${this.name}: resume it, delete it, or pick another runId.`);
          }
          const legacy = await this.#legacy(runId);
          if (legacy) {
            await this.release(lease);
            throw legacy;
          }
        }
        return lease;
      }
      if (Date.now() >= deadline) {
        const where = holder.host === HOST ? `process ${holder.pid} on this host` : `process ${holder.pid} on ${holder.host}`;
        throw new RunLockedError(
          runId,
          `${where} holds its lease in ${this.name} for ${Math.max(0, holder.expiresAt - Date.now())} ms more`,
        );
      }
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
  }

  async renew(lease: Lease): Promise<Lease> {
    const runDir = this.#runDir(lease.runId);
    const gen = await this.#check(runDir, lease);
    const file: LeaseFile = { token: lease.token, host: HOST, pid: process.pid, expiresAt: Date.now() + lease.ttlMs, ttlMs: lease.ttlMs };
    const path = leasePath(runDir, gen);
    await this.#write(path, lease.runId, async () => rename(await writeTemp(runDir, JSON.stringify(file), this.#fsync), path));
    return { ...lease, expiresAt: file.expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    const runDir = this.#runDir(lease.runId);
    const gen = generation(lease);
    const held = await this.#readLease(runDir, gen);
    if (held && held.token === lease.token) await rm(leasePath(runDir, gen), { force: true });
  }

  async append(lease: Lease, records: CheckpointRecord[], run: RunInfo): Promise<void> {
    const { runId } = lease;
    records.forEach((record, i) => {
      if (record.runId !== runId) throw new ConfigError(`A record of run "${record.runId}" cannot be appended to run "${runId}".`);
      const first = records[0] as CheckpointRecord;
      if (record.seq !== first.seq + i) throw new CheckpointConflictError(runId, first.seq + i, record.seq);
    });
    const runDir = this.#runDir(runId);
    await this.#check(runDir, lease);
    const first = records[0];
    if (first) {
      // The history ends in the last segment: an append reads one header, however long the run.
      const next = ((await this.#index(runDir, true)).at(-1)?.info.seq ?? 0) + 1;
      if (first.seq !== next) throw new CheckpointConflictError(runId, next, first.seq);
      const header: SegmentHeader = { v: 2, records: records.map(({ body, ...info }) => ({ ...info, length: body.length })) };
      const text = `${JSON.stringify(header)}\n${records.map((r) => r.body).join("")}`;
      const path = join(runDir, `s.${pad(first.seq)}.json`);
      if (!(await this.#write(path, runId, () => createExclusive(runDir, path, text, this.#fsync)))) {
        throw new CheckpointConflictError(runId, next, first.seq);
      }
    }
    const path = join(runDir, "run.json");
    await this.#write(path, runId, async () => rename(await writeTemp(runDir, JSON.stringify(run), this.#fsync), path));
    if (this.#fsync) await this.#write(runDir, runId, () => syncDir(runDir));
  }

  async load(runId: string, options: { seq?: number } = {}): Promise<CheckpointRecord[]> {
    const runDir = this.#runDir(runId);
    const index = await this.#index(runDir);
    const end = options.seq === undefined ? index.length - 1 : index.findIndex((row) => row.info.seq === options.seq);
    if (end < 0) {
      const legacy = index.length === 0 ? await this.#legacy(runId) : undefined;
      if (legacy) throw legacy;
      return [];
    }
    const chain = index.slice(
      chainStart(
        index.map((row) => row.info),
        end,
      ),
      end + 1,
    );
    const texts = new Map<string, string>();
    const out: CheckpointRecord[] = [];
    for (const row of chain) {
      let text = texts.get(row.file);
      if (text === undefined) {
        text = await readFile(row.file, "utf8").catch((error: NodeJS.ErrnoException): string => {
          if (error.code === "ENOENT") return ""; // pruned meanwhile: reads as damaged
          throw error;
        });
        texts.set(row.file, text);
      }
      // A damaged header gives the whole file as the body, under an empty checksum: the core reports it.
      const body = row.offset === undefined ? text : text.slice(text.indexOf("\n") + 1).slice(row.offset, row.offset + (row.length ?? 0));
      out.push({ ...row.info, body });
    }
    return out;
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    const runDir = this.#runDir(runId);
    await this.#sweep(runDir);
    return (await this.#index(runDir)).map((row) => row.info);
  }

  async runs(options: { status?: RunStatus | RunStatus[]; limit?: number } = {}): Promise<RunInfo[]> {
    const wanted = options.status === undefined ? undefined : new Set([options.status].flat());
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const rows: RunInfo[] = [];
    for (const name of names) {
      const row = await readJSON<RunInfo>(join(this.dir, name, "run.json"));
      if (row && (!wanted || wanted.has(row.status))) rows.push(row);
    }
    rows.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
    return rows.slice(0, options.limit ?? rows.length);
  }

  async run(runId: string): Promise<RunInfo | undefined> {
    return (await readJSON<RunInfo>(join(this.#runDir(runId), "run.json"))) ?? undefined;
  }

  async appendEvents(runId: string, events: NewRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const runDir = this.#runDir(runId);
    const path = join(runDir, "events.jsonl");
    // One write with O_APPEND: concurrent writers' batches never interleave, and an event's seq is
    // its line's place in the file. The leading newline keeps a line torn by a crash on its own.
    const text = `\n${events.map((event) => JSON.stringify(event)).join("\n")}\n`;
    await this.#write(path, runId, async () => {
      await ensureDir(runDir);
      const handle = await open(path, "a");
      try {
        // Not fsynced: the event log is for people and UIs; a power cut may lose its last lines, never a checkpoint.
        await handle.write(text);
      } finally {
        await handle.close();
      }
    });
  }

  async events(runId: string, options: { after?: number; limit?: number } = {}): Promise<RunEvent[]> {
    let text: string;
    try {
      text = await readFile(join(this.#runDir(runId), "events.jsonl"), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const after = options.after ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: RunEvent[] = [];
    let seq = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let event: NewRunEvent;
      try {
        event = JSON.parse(line) as NewRunEvent;
      } catch {
        continue; // torn by a crash mid-write: never counted, so later seqs stay put
      }
      if (++seq > after) out.push({ ...event, runId, seq });
      if (out.length >= limit) break;
    }
    return out;
  }

  async prune(runId: string, options: { keepFull: number }): Promise<void> {
    const runDir = this.#runDir(runId);
    await this.#sweep(runDir);
    const index = await this.#index(runDir);
    const cut =
      index[
        pruneCut(
          index.map((row) => row.info),
          options.keepFull,
        )
      ]?.info.seq;
    if (cut === undefined) return;
    const lastOf = new Map<string, number>();
    for (const row of index) lastOf.set(row.file, row.info.seq);
    for (const [file, last] of lastOf) if (last < cut) await rm(file, { force: true });
  }

  async delete(runId: string): Promise<void> {
    await rm(this.#runDir(runId), { recursive: true, force: true });
    const legacy = await this.#legacy(runId);
    if (legacy) for (const name of await readdir(legacy.path)) if (V1_FILE.test(name)) await rm(join(legacy.path, name), { force: true });
  }

  /**
   * The error for a run saved by the first FileSaver (`<dir>/<runId>/<seq>.json`, one whole
   * checkpoint per file, version 1), if its directory holds such files; else undefined.
   */
  async #legacy(runId: string): Promise<CheckpointVersionError | undefined> {
    const path = join(this.dir, encodeURIComponent(runId));
    const names = await readdir(path).catch((): string[] => []);
    if (!names.some((name) => V1_FILE.test(name))) return undefined;
    return new CheckpointVersionError({ runId, saver: this.name, path, version: 1 });
  }

  /**
   * Removes the run's temporary files that are provably not in flight (see sweepTemps): a dead
   * process's at once, any other's once older than the ttl of the run's lease (30 s if it has none).
   */
  async #sweep(runDir: string): Promise<void> {
    const top = (await this.#scan(runDir)).gens.at(-1);
    const holder = top === undefined ? undefined : await this.#readLease(runDir, top);
    await sweepTemps(runDir, Math.max(holder?.ttlMs ?? DEFAULT_STALE_MS, 1));
  }

  /** The generation of `lease` if it is still the run's lease; else LeaseLostError. */
  async #check(runDir: string, lease: Lease): Promise<number> {
    const gen = generation(lease);
    const { gens, missing } = await this.#scan(runDir);
    if (missing) {
      // The run's directory was deleted under us: recreate it and the lease, unless someone else has.
      await this.#write(runDir, lease.runId, () => ensureDir(runDir));
      const file: LeaseFile = { token: lease.token, host: HOST, pid: process.pid, expiresAt: lease.expiresAt, ttlMs: lease.ttlMs };
      const path = leasePath(runDir, gen);
      if (await this.#write(path, lease.runId, () => createExclusive(runDir, path, JSON.stringify(file), this.#fsync))) return gen;
      return this.#check(runDir, lease);
    }
    const held = gens.at(-1) === gen ? await this.#readLease(runDir, gen) : undefined;
    if (held?.token !== lease.token) {
      const top = gens.at(-1);
      const owner = top === undefined ? undefined : await this.#readLease(runDir, top);
      throw new LeaseLostError(
        lease.runId,
        owner ? `process ${owner.pid} on ${owner.host} took its lease over` : "its lease was released or removed",
      );
    }
    return gen;
  }

  async #scan(runDir: string): Promise<{ gens: number[]; segments: number[]; hasRun: boolean; missing: boolean }> {
    let names: string[];
    try {
      names = await readdir(runDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { gens: [], segments: [], hasRun: false, missing: true };
      throw error;
    }
    const gens: number[] = [];
    const segments: number[] = [];
    for (const name of names) {
      const lease = LEASE.exec(name);
      if (lease) gens.push(Number(lease[1]));
      const segment = SEGMENT.exec(name);
      if (segment) segments.push(Number(segment[1]));
    }
    const byNumber = (a: number, b: number) => a - b;
    return { gens: gens.sort(byNumber), segments: segments.sort(byNumber), hasRun: names.includes("run.json"), missing: false };
  }

  /** Every record of the run (or those of its last segment), from the segments' header lines: bodies are not read. */
  async #index(runDir: string, lastOnly = false): Promise<Indexed[]> {
    const { segments } = await this.#scan(runDir);
    const out: Indexed[] = [];
    for (const start of lastOnly ? segments.slice(-1) : segments) {
      const file = join(runDir, `s.${pad(start)}.json`);
      let header: SegmentHeader | undefined;
      try {
        const { line } = await readFirstLine(file);
        header = JSON.parse(line) as SegmentHeader;
        if (header?.v !== 2 || !Array.isArray(header.records) || header.records[0]?.seq !== start) header = undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // pruned meanwhile
        header = undefined;
      }
      if (!header) {
        const runId = decodeURIComponent(runDir.slice(runDir.lastIndexOf("/") + 1));
        out.push({ info: { runId, seq: start, at: "", status: "running", node: "", kind: "full", checksum: "" }, file });
        continue;
      }
      let offset = 0;
      for (const { length, ...info } of header.records) {
        out.push({ info, file, offset, length });
        offset += length;
      }
    }
    return out;
  }

  /** The lease file of generation `gen`: undefined if damaged, null if it does not exist. */
  async #readLease(runDir: string, gen: number): Promise<LeaseFile | undefined | null> {
    try {
      const file = JSON.parse(await readFile(leasePath(runDir, gen), "utf8")) as Partial<LeaseFile>;
      return typeof file.token === "string" && typeof file.expiresAt === "number" ? (file as LeaseFile) : undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? null : undefined;
    }
  }

  #write<T>(path: string, runId: string, work: () => Promise<T>): Promise<T> {
    return writing(this.name, path, runId, work);
  }

  #runDir(runId: string): string {
    if (typeof runId !== "string" || runId === "") throw new ConfigError(`"${runId}" cannot name a run directory.`);
    return join(this.dir, encodeURIComponent(runId).replaceAll(".", "%2E"));
  }
}

/** A checkpoint file of the first FileSaver: `00000007.json`. */
const V1_FILE = /^\d{8,}\.json$/;

/** How old another process's temporary file must be to be swept, when the run has no lease to tell its ttl. */
const DEFAULT_STALE_MS = 30_000;

function free(holder: LeaseFile): boolean {
  if (holder.expiresAt <= Date.now()) return true;
  return holder.host === HOST && holder.pid !== process.pid && !alive(holder.pid);
}

function generation(lease: Lease): number {
  const gen = Number.parseInt(lease.token, 10);
  if (!Number.isSafeInteger(gen) || gen < 1) throw new LeaseLostError(lease.runId, "the lease was not granted by a FileSaver");
  return gen;
}

function leasePath(runDir: string, gen: number): string {
  return join(runDir, `lease.${pad(gen)}`);
}

async function readJSON<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

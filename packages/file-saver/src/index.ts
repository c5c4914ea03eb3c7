import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type Checkpoint,
  CheckpointCorruptError,
  type CheckpointInfo,
  type CheckpointSaver,
  ConfigError,
  checkpointInfo,
  parseCheckpoint,
} from "flowlet";

export interface FileSaverOptions {
  /**
   * fsync each checkpoint and its directory before the save resolves, so it survives a power cut,
   * not only a crash. Default true; turn off for throwaway runs and tests.
   */
  fsync?: boolean;
  /** Told about each damaged checkpoint skipped while loading. Default: `console.warn`. */
  onCorrupt?: (error: CheckpointCorruptError) => void;
  /**
   * Keep only the newest `keep` checkpoints of each run, deleting older ones after each save.
   * Default: keep all, for time travel. Resume needs only the newest good one; keep a few in case
   * the newest is damaged.
   */
  keep?: number;
}

const FILE = /^(\d{8,})\.json$/;

/**
 * Checkpoints as files: `<dir>/<runId>/<seq>.json`, one per step, each written to a temporary file,
 * fsynced and renamed into place, so a crash mid-write never damages the last good checkpoint.
 * A damaged file (cut short, edited, foreign) is skipped for the one before it, with a warning.
 *
 * ```ts
 * const saver = new FileSaver(".flowlet/checkpoints");
 * await flow.run(shared, { checkpoint: saver, runId: "nightly" });
 * ```
 */
export class FileSaver implements CheckpointSaver {
  readonly #fsync: boolean;
  readonly #onCorrupt: (error: CheckpointCorruptError) => void;
  readonly #made = new Set<string>();
  readonly #keep: number;

  constructor(
    readonly dir: string,
    options: FileSaverOptions = {},
  ) {
    this.#fsync = options.fsync ?? true;
    this.#onCorrupt = options.onCorrupt ?? ((error) => console.warn(`flowlet: ${error.message}`));
    this.#keep = options.keep ?? Number.POSITIVE_INFINITY;
    if (!(this.#keep >= 1)) throw new ConfigError(`FileSaver's keep must be at least 1, got ${options.keep}.`);
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    // Serialize before the first await: the run goes on changing its state meanwhile.
    const text = JSON.stringify(checkpoint);
    const dir = this.#runDir(checkpoint.runId);
    if (!this.#made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#made.add(dir);
    }
    const file = join(dir, `${String(checkpoint.seq).padStart(8, "0")}.json`);
    const temp = `${file}.${randomUUID()}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(text);
      if (this.#fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    if (this.#fsync) {
      // The rename itself is durable only once the directory entry is.
      const folder = await open(dir, "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    }
    if (checkpoint.seq > this.#keep) await this.#prune(checkpoint.runId, checkpoint.seq - this.#keep);
  }

  /** Deletes the run's checkpoints up to `last`. */
  async #prune(runId: string, last: number): Promise<void> {
    for (const file of await this.#files(runId)) if (file.seq <= last) await rm(file.path, { force: true });
  }

  async load(runId: string, seq?: number): Promise<Checkpoint | undefined> {
    const files = await this.#files(runId);
    if (seq !== undefined) {
      const file = files.find((f) => f.seq === seq);
      return file && parseCheckpoint(await readFile(file.path, "utf8"), file.path);
    }
    for (const file of files.reverse()) {
      const checkpoint = await this.#read(file.path);
      if (checkpoint) return checkpoint;
    }
    if (files.length > 0) {
      throw new CheckpointCorruptError(
        `All ${files.length} checkpoints of run "${runId}" in ${this.#runDir(runId)} are damaged, so it cannot be resumed. Move that directory away to start the run afresh.`,
      );
    }
    return undefined;
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    const rows: CheckpointInfo[] = [];
    for (const file of await this.#files(runId)) {
      const checkpoint = await this.#read(file.path);
      if (checkpoint) rows.push(checkpointInfo(checkpoint));
    }
    return rows;
  }

  async delete(runId: string): Promise<void> {
    await rm(this.#runDir(runId), { recursive: true, force: true });
    this.#made.delete(this.#runDir(runId));
  }

  async #read(path: string): Promise<Checkpoint | undefined> {
    try {
      return parseCheckpoint(await readFile(path, "utf8"), path);
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      this.#onCorrupt(new CheckpointCorruptError(`${error.message} Skipping it for the checkpoint before it.`));
      return undefined;
    }
  }

  async #files(runId: string): Promise<{ seq: number; path: string }[]> {
    const dir = this.#runDir(runId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return names
      .map((name) => FILE.exec(name))
      .filter((m) => m !== null)
      .map((m) => ({ seq: Number(m[1]), path: join(dir, m[0]) }))
      .sort((a, b) => a.seq - b.seq);
  }

  #runDir(runId: string): string {
    if (!runId || runId === "." || runId === "..") throw new ConfigError(`"${runId}" cannot name a run directory.`);
    return join(this.dir, encodeURIComponent(runId));
  }
}

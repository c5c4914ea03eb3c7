import Database from "better-sqlite3";
import {
  type Checkpoint,
  CheckpointCorruptError,
  type CheckpointInfo,
  type CheckpointSaver,
  checkpointInfo,
  parseCheckpoint,
} from "flowlet";

export interface SqliteSaverOptions {
  /** Told about each damaged checkpoint skipped while loading. Default: `console.warn`. */
  onCorrupt?: (error: CheckpointCorruptError) => void;
}

/**
 * Checkpoints in one SQLite table (`flowlet_checkpoints`), in WAL mode: a crash never loses a
 * committed checkpoint, and many runs share one file.
 *
 * ```ts
 * const saver = new SqliteSaver("runs.db");
 * await flow.run(shared, { checkpoint: saver, runId: "nightly" });
 * ```
 */
export class SqliteSaver implements CheckpointSaver {
  readonly db: Database.Database;
  readonly #onCorrupt: (error: CheckpointCorruptError) => void;
  readonly #insert: Database.Statement<[string, number, string]>;
  readonly #latest: Database.Statement<[string], { data: string; seq: number }>;
  readonly #one: Database.Statement<[string, number], { data: string }>;
  readonly #all: Database.Statement<[string], { data: string; seq: number }>;
  readonly #delete: Database.Statement<[string]>;

  /** @param database a file path, ":memory:", or an open better-sqlite3 database */
  constructor(database: string | Database.Database, options: SqliteSaverOptions = {}) {
    this.db = typeof database === "string" ? new Database(database) : database;
    this.#onCorrupt = options.onCorrupt ?? ((error) => console.warn(`flowlet: ${error.message}`));
    this.db.pragma("journal_mode = WAL");
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS flowlet_checkpoints (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
    );
    this.#insert = this.db.prepare("INSERT OR REPLACE INTO flowlet_checkpoints (run_id, seq, data) VALUES (?, ?, ?)");
    this.#latest = this.db.prepare("SELECT data, seq FROM flowlet_checkpoints WHERE run_id = ? ORDER BY seq DESC");
    this.#one = this.db.prepare("SELECT data FROM flowlet_checkpoints WHERE run_id = ? AND seq = ?");
    this.#all = this.db.prepare("SELECT data, seq FROM flowlet_checkpoints WHERE run_id = ? ORDER BY seq");
    this.#delete = this.db.prepare("DELETE FROM flowlet_checkpoints WHERE run_id = ?");
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    this.#insert.run(checkpoint.runId, checkpoint.seq, JSON.stringify(checkpoint));
  }

  async load(runId: string, seq?: number): Promise<Checkpoint | undefined> {
    if (seq !== undefined) {
      const row = this.#one.get(runId, seq);
      return row && parseCheckpoint(row.data, `${runId}#${seq}`);
    }
    let damaged = 0;
    for (const row of this.#latest.iterate(runId)) {
      const checkpoint = this.#parse(row.data, `${runId}#${row.seq}`);
      if (checkpoint) return checkpoint;
      damaged++;
    }
    if (damaged > 0) {
      throw new CheckpointCorruptError(`All ${damaged} checkpoints of run "${runId}" are damaged, so it cannot be resumed. Delete the run to start it afresh.`);
    }
    return undefined;
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    return this.#all
      .all(runId)
      .map((row) => this.#parse(row.data, `${runId}#${row.seq}`))
      .filter((cp) => cp !== undefined)
      .map(checkpointInfo);
  }

  async delete(runId: string): Promise<void> {
    this.#delete.run(runId);
  }

  close(): void {
    this.db.close();
  }

  #parse(data: string, where: string): Checkpoint | undefined {
    try {
      return parseCheckpoint(data, where);
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      this.#onCorrupt(new CheckpointCorruptError(`${error.message} Skipping it for the checkpoint before it.`));
      return undefined;
    }
  }
}

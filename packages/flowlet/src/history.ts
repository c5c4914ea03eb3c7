/**
 * How a run's state becomes a chain of records, and back. The state is a flat map of entries (the
 * shared store's top-level keys, where each flow stands, each finished batch item, interrupt
 * answers, run metadata); a record holds either every entry ("full") or only those set and deleted
 * since the record before ("delta"). Cost per step is then proportional to what changed.
 *
 * A full record is written when the deltas since the last one add up to more than it (so reading a
 * state never costs more than twice the state, and bytes written per step stay under twice the
 * change, amortised), or every `fullEvery` steps.
 */
import { type Entries, type KeepsStates, LATEST_STATE, applyBody } from "./body.js";
import { CheckpointCorruptError } from "./errors.js";
import { checksumOf } from "./checksum.js";
import type { CheckpointRecord, CheckpointSaver } from "./saver.js";

export type { Entries };

/** A run's state as the writer keeps it: entry name → the entry's JSON text, so unchanged entries are never serialized again. */
export type EntryTexts = Map<string, string>;

/** Default for {@link HistoryWriter}'s `fullEvery`. */
export const FULL_EVERY = 1000;

/** @internal Turns successive states into record bodies, choosing full or delta. */
export class HistoryWriter {
  readonly #fullEvery: number;
  #fullBytes = 0;
  #deltaBytes = 0;
  #steps = 0;
  #first = true;

  constructor(options: { fullEvery?: number } = {}) {
    this.#fullEvery = Math.max(1, options.fullEvery ?? FULL_EVERY);
  }

  /** The next record must be full (e.g. the first one of a fork). */
  restart(): void {
    this.#first = true;
  }

  /**
   * The body for the state `texts`, given which entries were set or deleted since the last body.
   * Entries are JSON texts already, so a body costs its length in copying, not in serializing.
   */
  encode(texts: EntryTexts, changed: ReadonlySet<string>, deleted: ReadonlySet<string>): { kind: "full" | "delta"; body: string } {
    if (!this.#first && this.#steps < this.#fullEvery - 1) {
      const set: string[] = [];
      for (const name of changed) {
        const text = texts.get(name);
        if (text !== undefined) set.push(`${JSON.stringify(name)}:${text}`);
      }
      const del = [...deleted].filter((name) => !texts.has(name));
      const body = `{"v":2,"set":{${set.join(",")}},"del":${JSON.stringify(del)}}`;
      if (this.#deltaBytes + body.length <= this.#fullBytes) {
        this.#deltaBytes += body.length;
        this.#steps++;
        return { kind: "delta", body };
      }
    }
    const parts: string[] = [];
    for (const [name, text] of texts) parts.push(`${JSON.stringify(name)}:${text}`);
    const body = `{"v":2,"full":{${parts.join(",")}}}`;
    this.#first = false;
    this.#fullBytes = body.length;
    this.#deltaBytes = 0;
    this.#steps = 0;
    return { kind: "full", body };
  }
}

/** A damaged record, with its seq, so that loading can fall back to the state before it. */
class DamagedRecord extends CheckpointCorruptError {
  constructor(
    readonly seq: number,
    message: string,
  ) {
    super(message);
  }
}

/** Applies a chain (a full record, then deltas), oldest first. Throws CheckpointCorruptError on a malformed body. */
export function applyChain(records: readonly CheckpointRecord[], where: (record: CheckpointRecord) => string): Entries {
  const entries: Entries = new Map();
  for (const [i, record] of records.entries()) {
    const damage = applyBody(entries, record.kind, record.body, i === 0);
    if (damage !== undefined) throw new DamagedRecord(record.seq, `Checkpoint ${where(record)} ${damage}`);
  }
  return entries;
}

/** Told about each damaged checkpoint skipped while loading. */
export type CorruptHandler = (error: CheckpointCorruptError) => void;

/** The default {@link CorruptHandler}: a warning on the console. */
export const warnCorrupt: CorruptHandler = (error) => console.warn(`flowlet: ${error.message}`);

/** A state read back from a saver: its entries, and the record that ends its chain. */
export interface LoadedState {
  entries: Entries;
  last: CheckpointRecord;
}

/**
 * Reads the state at `seq` (default: the latest), verifying every record's checksum. A damaged
 * record (checksum, JSON or chain) is reported to `onCorrupt`, and the state just before it is tried
 * instead. Undefined if the run has no records (or no record `seq`); throws CheckpointCorruptError
 * if every state of the run is damaged.
 */
export async function loadState(
  saver: CheckpointSaver,
  runId: string,
  options: { seq?: number; onCorrupt?: CorruptHandler } = {},
): Promise<LoadedState | undefined> {
  const onCorrupt = options.onCorrupt ?? warnCorrupt;
  const where = (record: CheckpointRecord) => `${runId}#${record.seq} in ${saver.name}`;
  let seq = options.seq;
  // A saver that keeps its latest states (MemorySaver) hands one over at the cost of one state.
  const kept = (saver as Partial<KeepsStates>)[LATEST_STATE]?.(runId, seq);
  if (kept) return kept;
  let damaged = 0;
  for (;;) {
    const records = await saver.load(runId, seq === undefined ? {} : { seq });
    const last = records.at(-1);
    if (!last) {
      if (damaged > 0) {
        throw new CheckpointCorruptError(
          `All checkpoints of run "${runId}" in ${saver.name} up to the damaged one are lost, so it cannot be resumed. ` +
            "Resume from a later good step with { from }, or delete the run to start it afresh.",
        );
      }
      return undefined;
    }
    try {
      for (const record of records) {
        if ((await checksumOf(record.body)) !== record.checksum) {
          throw new DamagedRecord(
            record.seq,
            `Checkpoint ${where(record)} fails its checksum: it was cut short or changed after it was written.`,
          );
        }
      }
      return { entries: applyChain(records, where), last };
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      damaged++;
      onCorrupt(new CheckpointCorruptError(`${error.message} Skipping it for the checkpoint before it.`));
      seq = (error instanceof DamagedRecord ? error.seq : last.seq) - 1;
      if (seq <= 0) {
        throw new CheckpointCorruptError(
          `All ${damaged === 1 ? "" : `${damaged} `}checkpoints of run "${runId}" in ${saver.name} that could rebuild its state are damaged, ` +
            "so it cannot be resumed. Delete the run to start it afresh.",
        );
      }
    }
  }
}

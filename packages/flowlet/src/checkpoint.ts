/** Checkpoints as saved (format version 1), the saver interface, and the in-memory saver. */
import { CheckpointCorruptError } from "./errors.js";
import type { JSONValue } from "./snapshot.js";

/**
 * Where one orchestration, batch or batch flow stands, keyed in {@link Checkpoint.frames} by its
 * place in the graph (see keys.ts: "" the top flow, "2" its third node, "2/0" a node inside that,
 * "3[7]" run 7 of a batch flow).
 */
export type Frame =
  /** A flow: the node to run next (`null`: the flow has finished), its step count and last action. */
  | { kind: "flow"; next: number | null; steps: number; action: string }
  /** A batch node: the results of the items already done, by item identity. */
  | { kind: "batch"; done: Record<string, JSONValue> }
  /** A batch flow: the last action of each run already done, by item identity. */
  | { kind: "batchFlow"; done: Record<string, string> };

/** One saved step of a run: everything needed to continue it in a fresh process. */
export interface Checkpoint {
  version: 1;
  runId: string;
  /** 1, 2, 3… in save order within the run. */
  seq: number;
  /** The seq this run was resumed from, when it was forked from an earlier step. */
  parent?: number;
  /** ISO time of the save. */
  at: string;
  status: "running" | "interrupted" | "completed";
  /** Fingerprint of the flow's graph: resume refuses a different one. */
  shape: string;
  /** The path of the node whose completion this save records. */
  node: string;
  shared: JSONValue;
  sharedKind: "object" | "store";
  params: JSONValue;
  frames: Record<string, Frame>;
  /** Answers given to `ctx.interrupt`, by node key, in call order. */
  answers: Record<string, JSONValue[]>;
  /** Set when status is "interrupted". */
  interrupt?: { key: string; payload: JSONValue };
}

/** A row of a run's history, for listing and time travel. */
export type CheckpointInfo = Pick<Checkpoint, "runId" | "seq" | "parent" | "at" | "status" | "node">;

/**
 * Storage for checkpoints. Implementations: {@link MemorySaver} here, `FileSaver` in
 * `@flowlet/file-saver`, `SqliteSaver` in `@flowlet/sqlite`.
 */
export interface CheckpointSaver {
  save(checkpoint: Checkpoint): Promise<void>;
  /** The checkpoint `seq` of a run, or its latest one; undefined if there is none. */
  load(runId: string, seq?: number): Promise<Checkpoint | undefined>;
  /** The run's history, oldest first. */
  list(runId: string): Promise<CheckpointInfo[]>;
  /** Forgets a run. */
  delete(runId: string): Promise<void>;
}

/** Checks a parsed checkpoint's shape, so that a damaged one is reported as such rather than crashing later. */
export function parseCheckpoint(text: string, where: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointCorruptError(`Checkpoint ${where} is not valid JSON (${(error as Error).message}); it was probably cut short.`);
  }
  const cp = value as Partial<Checkpoint> | null;
  if (
    cp?.version !== 1 ||
    typeof cp.runId !== "string" ||
    typeof cp.seq !== "number" ||
    typeof cp.shape !== "string" ||
    typeof cp.frames !== "object" ||
    cp.frames === null ||
    !("shared" in cp)
  ) {
    throw new CheckpointCorruptError(`Checkpoint ${where} is not a Flowlet checkpoint (version 1): its fields are missing or damaged.`);
  }
  return cp as Checkpoint;
}

/** Keeps checkpoints in memory: for tests, and for pausing (human-in-the-loop) within one process. */
export class MemorySaver implements CheckpointSaver {
  readonly #runs = new Map<string, string[]>();

  async save(checkpoint: Checkpoint): Promise<void> {
    const run = this.#runs.get(checkpoint.runId) ?? [];
    run.push(JSON.stringify(checkpoint));
    this.#runs.set(checkpoint.runId, run);
  }

  async load(runId: string, seq?: number): Promise<Checkpoint | undefined> {
    const all = (this.#runs.get(runId) ?? []).map((text, i) => parseCheckpoint(text, `${runId}#${i}`));
    return seq === undefined ? all.at(-1) : all.find((cp) => cp.seq === seq);
  }

  async list(runId: string): Promise<CheckpointInfo[]> {
    return (this.#runs.get(runId) ?? []).map((text, i) => info(parseCheckpoint(text, `${runId}#${i}`)));
  }

  async delete(runId: string): Promise<void> {
    this.#runs.delete(runId);
  }
}

/** The history row of a checkpoint. */
export function info({ runId, seq, parent, at, status, node }: Checkpoint): CheckpointInfo {
  return parent === undefined ? { runId, seq, at, status, node } : { runId, seq, parent, at, status, node };
}

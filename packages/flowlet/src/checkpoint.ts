import { FlowletError } from "./errors.js";
import type { JSONValue } from "./snapshot.js";

/**
 * Where one orchestration, batch or batch flow stands, keyed in {@link Checkpoint.frames} by its
 * place in the graph ("" the top flow, "2" its third node, "2/0" a node inside that, "3[7]" item 7
 * of a batch flow).
 */
export type Frame =
  /** A flow: the node to run next (`null`: the flow has finished), its step count and last action. */
  | { kind: "flow"; next: number | null; steps: number; action: string }
  /** A batch node: the results of the items already done, by index. */
  | { kind: "batch"; done: Record<string, JSONValue> }
  /** A batch flow: the last action of each item run already done, by index. */
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

/** @internal What the engine saves checkpoints through: Saver v2 behind `legacySaver`. */
export interface CheckpointSaver {
  save(checkpoint: Checkpoint): Promise<void>;
  /** The checkpoint `seq` of a run, or its latest one; undefined if there is none. */
  load(runId: string, seq?: number): Promise<Checkpoint | undefined>;
  /** The run's history, oldest first. */
  list(runId: string): Promise<CheckpointInfo[]>;
  /** Forgets a run. */
  delete(runId: string): Promise<void>;
}

/** Nothing is saved for this run id, or not that step. */
export class CheckpointNotFoundError extends FlowletError {
  override name = "CheckpointNotFoundError";
}

/** The checkpoint was written by a flow of another shape: resuming would run the wrong nodes. */
export class CheckpointMismatchError extends FlowletError {
  override name = "CheckpointMismatchError";
}

/** A stored checkpoint cannot be read back. Savers skip such a one for the one before, and say so. */
export class CheckpointCorruptError extends FlowletError {
  override name = "CheckpointCorruptError";
}

/** A fresh run was started under a run id that already has checkpoints. */
export class RunExistsError extends FlowletError {
  override name = "RunExistsError";
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

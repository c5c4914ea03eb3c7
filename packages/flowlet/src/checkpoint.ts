/**
 * The checkpoint format, in one place: how a run's state is laid out as entries (see history.ts for
 * how entries become records), and {@link readCheckpoint}, which reads a run's state back as a
 * plain {@link Checkpoint} for tools, tests and apps.
 */
import type { BatchKind, FlowPosition } from "./journal.js";
import { type CorruptHandler, type Entries, loadState } from "./history.js";
import type { CheckpointSaver, RunStatus } from "./saver.js";
import type { JSONValue } from "./snapshot.js";

// Entry names: one per shared key, flow position, batch, finished batch item and interrupt answers,
// the shared keys each running batch's prep wrote, plus the run's constants ("r") and where it stands ("m").
export const SHARED = "s/";
export const FLOW = "f/";
export const BATCH = "b/";
export const ITEM = "i/";
export const ANSWERS = "a/";
export const PREP = "p/";
export const CONSTANTS = "r";
export const STANDING = "m";

/** The entry of item `id` of the batch at `key`. */
export const itemEntry = (key: string, id: string): string => `${ITEM}${JSON.stringify([key, id])}`;

/** The place in the graph (a key of keys.ts) that a flow, batch, item or answers entry belongs to. */
export function placeOf(name: string): string {
  return name.startsWith(ITEM) ? (JSON.parse(name.slice(ITEM.length)) as [string, string])[0] : name.slice(2);
}

/** The constant part of a run's state. */
export interface RunConstants {
  shape: string;
  top: string;
  sharedKind: "object" | "store";
  params: JSONValue;
}

/** Where a run stands. */
export interface Standing {
  status: RunStatus;
  node: string;
  interrupt?: { key: string; path: string; payload: JSONValue };
}

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

/** A run's state at one step, as {@link readCheckpoint} gives it. */
export interface Checkpoint {
  version: 2;
  runId: string;
  seq: number;
  /** ISO time of the record. */
  at: string;
  status: RunStatus;
  /** The path of the node whose completion the record marks. */
  node: string;
  /** Fingerprint of the flow's graph: resume refuses a different one. */
  shape: string;
  shared: Record<string, JSONValue>;
  sharedKind: "object" | "store";
  params: JSONValue;
  frames: Record<string, Frame>;
  /** Answers given to `ctx.interrupt`, by node key, in call order. */
  answers: Record<string, JSONValue[]>;
  /** Set when status is "interrupted". */
  interrupt?: { key: string; payload: JSONValue };
}

/**
 * Reads a run's state as the engine would resume it: the latest good step (damaged records are
 * reported to `onCorrupt`, default a warning, and skipped), or step `seq`. Undefined if there is none.
 */
export async function readCheckpoint(
  saver: CheckpointSaver,
  runId: string,
  options: { seq?: number; onCorrupt?: CorruptHandler } = {},
): Promise<Checkpoint | undefined> {
  const loaded = await loadState(saver, runId, options);
  if (!loaded) return undefined;
  return view(runId, loaded.last.seq, loaded.last.at, loaded.entries);
}

function view(runId: string, seq: number, at: string, entries: Entries): Checkpoint {
  const constants = (entries.get(CONSTANTS) ?? {}) as unknown as Partial<RunConstants>;
  const standing = (entries.get(STANDING) ?? {}) as unknown as Partial<Standing>;
  const shared: Record<string, JSONValue> = {};
  const frames: Record<string, Frame> = {};
  const answers: Record<string, JSONValue[]> = {};
  for (const [name, value] of entries) {
    if (name.startsWith(SHARED)) shared[name.slice(2)] = value;
    else if (name.startsWith(FLOW)) frames[name.slice(2)] = { kind: "flow", ...(value as unknown as FlowPosition) };
    else if (name.startsWith(ANSWERS)) answers[name.slice(2)] = value as JSONValue[];
  }
  for (const [name, value] of entries) {
    if (name.startsWith(BATCH)) frames[name.slice(2)] = { kind: value as BatchKind, done: {} } as Frame;
  }
  for (const [name, value] of entries) {
    if (!name.startsWith(ITEM)) continue;
    const [key, id] = JSON.parse(name.slice(ITEM.length)) as [string, string];
    const frame = frames[key];
    if (frame && frame.kind !== "flow") (frame.done as Record<string, JSONValue>)[id] = value;
  }
  const cp: Checkpoint = {
    version: 2,
    runId,
    seq,
    at,
    status: standing.status ?? "running",
    node: standing.node ?? "",
    shape: constants.shape ?? "",
    shared,
    sharedKind: constants.sharedKind ?? "object",
    params: constants.params ?? {},
    frames,
    answers,
  };
  if (standing.interrupt) cp.interrupt = { key: standing.interrupt.key, payload: standing.interrupt.payload };
  return cp;
}

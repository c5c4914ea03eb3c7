/**
 * How a record's body changes a run's state, in one place: history.ts rebuilds states from chains
 * of records with it, and MemorySaver keeps each run's latest state with it, so that loading that
 * state costs one state, not the chain of records since the last full one.
 */
import type { CheckpointRecord } from "./saver.js";
import type { JSONValue } from "./snapshot.js";

/** A run's state: entry name → JSON value. */
export type Entries = Map<string, JSONValue>;

/** The body of a full record: `{ v: 2, full: { name: value, … } }`. */
interface FullBody {
  v: 2;
  full: Record<string, JSONValue>;
}
/** The body of a delta record: `{ v: 2, set: { name: value, … }, del: [name, …] }`, since the record before. */
interface DeltaBody {
  v: 2;
  set: Record<string, JSONValue>;
  del: string[];
}

/**
 * Applies one record's body to `entries`, in place: a full body replaces them, a delta changes
 * them. Returns why the body is damaged (then `entries` may be half changed), or undefined.
 * `first`: the record starts a chain, so it must be full.
 */
export function applyBody(entries: Entries, kind: CheckpointRecord["kind"], text: string, first: boolean): string | undefined {
  let body: Partial<FullBody & DeltaBody> | null;
  try {
    body = JSON.parse(text) as Partial<FullBody & DeltaBody> | null;
  } catch (error) {
    return `is not valid JSON (${(error as Error).message}).`;
  }
  if (body?.v !== 2) return "is not a Flowlet checkpoint (version 2).";
  if (first && kind !== "full") return "is a delta whose base was pruned or lost.";
  if (kind === "full") {
    if (typeof body.full !== "object" || body.full === null) return "has no state.";
    entries.clear();
    for (const [name, value] of Object.entries(body.full)) entries.set(name, value);
    return undefined;
  }
  if (typeof body.set !== "object" || body.set === null || !Array.isArray(body.del)) return "is a damaged delta.";
  for (const name of body.del) entries.delete(name);
  for (const [name, value] of Object.entries(body.set)) entries.set(name, value);
  return undefined;
}

/** @internal The method of a saver that keeps its runs' latest states parsed (MemorySaver). */
export const LATEST_STATE: unique symbol = Symbol("flowlet.latestState");

/** @internal A saver that can hand out the state at a run's latest record, every record of its chain verified. */
export interface KeepsStates {
  /** A copy of the state at the run's latest record (if `seq` is given, only if it is that record's), or undefined. */
  [LATEST_STATE](runId: string, seq?: number): { entries: Entries; last: CheckpointRecord } | undefined;
}

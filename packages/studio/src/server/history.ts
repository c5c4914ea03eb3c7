import { type CheckpointSaver, type RunStatus, readCheckpoint } from "flowlet";

/** The run as it stood after one step. */
export interface StepState {
  seq: number;
  at: string;
  status: RunStatus;
  node: string;
  shared: unknown;
  interrupt?: { key: string; payload: unknown };
  /** Damaged records the core skipped to rebuild this state. */
  warnings?: string[];
}

/** Rebuilds the state after step `seq` through the core, which alone reads checkpoint bodies. */
export async function stateAt(saver: CheckpointSaver, runId: string, seq: number): Promise<StepState | undefined> {
  const warnings: string[] = [];
  const checkpoint = await readCheckpoint(saver, runId, { seq, onCorrupt: (error) => warnings.push(error.message) });
  if (!checkpoint) return undefined;
  const state: StepState = {
    seq: checkpoint.seq,
    at: checkpoint.at,
    status: checkpoint.status,
    node: checkpoint.node,
    shared: checkpoint.shared,
  };
  if (checkpoint.interrupt) state.interrupt = checkpoint.interrupt;
  if (warnings.length > 0) state.warnings = warnings;
  return state;
}

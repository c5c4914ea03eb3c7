import { type CheckpointSaver, type RunStatus, parseCheckpoint } from "flowlet";

/** The run as it stood after one step. */
export interface StepState {
  seq: number;
  at: string;
  status: RunStatus;
  node: string;
  shared: unknown;
  interrupt?: { key: string; payload: unknown };
}

/** Rebuilds the state after step `seq` through the core, which alone reads checkpoint bodies. */
export async function stateAt(saver: CheckpointSaver, runId: string, seq: number): Promise<StepState | undefined> {
  const records = await saver.load(runId, { seq });
  const last = records.at(-1);
  if (!last || last.seq !== seq) return undefined;
  const checkpoint = parseCheckpoint(last.body, `${runId}#${seq} in ${saver.name}`);
  const state: StepState = { seq, at: last.at, status: last.status, node: last.node, shared: checkpoint.shared };
  if (checkpoint.interrupt) state.interrupt = checkpoint.interrupt;
  return state;
}

import type { CheckpointSaver, RunStatus } from "flowlet";

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
  throw new Error(`TODO ${saver.name} ${runId} ${seq}`);
}

import type { Info, RunEvent, RunResponse } from "../api.js";

/** What every tab of a run page reads. */
export interface RunContext {
  readonly runId: string;
  readonly info: Info;
  readonly data: RunResponse;
  readonly events: readonly RunEvent[];
  /** The selected step's seq: the latest when none was picked. */
  readonly step: number | undefined;
  /** Selects a step (shared by Graph, Timeline, State and Fork). */
  select(seq: number): void;
}

/** The selected step, or the run's latest. */
export function selected(ctx: RunContext): number | undefined {
  return ctx.step ?? ctx.data.checkpoints.at(-1)?.seq;
}

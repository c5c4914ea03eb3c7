/** Base class of every error Flowlet throws itself, so `instanceof FlowletError` catches them all. */
export class FlowletError extends Error {
  override name = "FlowletError";
}

/** Which lifecycle phase of a node failed. */
export type Phase = "prep" | "exec" | "post";

/**
 * A node failed: thrown by prep, by exec after its retries and fallback, or by post.
 * The original error is `cause`; `path` names the node inside its flows, `step` its step number.
 */
export class NodeError extends FlowletError {
  override name = "NodeError";
  constructor(
    readonly path: string,
    readonly phase: Phase,
    readonly step: number,
    override readonly cause: unknown,
  ) {
    super(`Node "${path}" failed in ${phase} at step ${step}: ${describe(cause)}`, { cause });
  }
}

/** A flow ran more steps than its `maxSteps`: usually a loop whose exit condition never holds. */
export class MaxStepsExceededError extends FlowletError {
  override name = "MaxStepsExceededError";
  constructor(
    readonly path: string,
    readonly maxSteps: number,
  ) {
    super(
      `Flow "${path}" exceeded maxSteps (${maxSteps}). Check the loop's exit action, or raise maxSteps if the flow really needs more steps.`,
    );
  }
}

/** Invalid options or wiring, found before anything runs. */
export class ConfigError extends FlowletError {
  override name = "ConfigError";
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

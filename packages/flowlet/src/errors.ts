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

/** Another live owner holds the run's lease: it is being run or resumed elsewhere. */
export class RunLockedError extends FlowletError {
  override name = "RunLockedError";
  constructor(
    readonly runId: string,
    detail: string,
  ) {
    super(
      `Run "${runId}" is being run by another owner (${detail}). Wait for it to finish, pass { wait: ms } to wait for its lease, ` +
        "or, if that owner is gone, retry once its lease has expired.",
    );
  }
}

/** The lease was taken over by another owner (this one was presumed dead): this owner must stop writing. */
export class LeaseLostError extends FlowletError {
  override name = "LeaseLostError";
  constructor(
    readonly runId: string,
    detail = "its lease expired and another owner took it over",
  ) {
    super(
      `Run "${runId}" is no longer owned by this process: ${detail}. Its history was not touched; ` +
        "the new owner continues the run. Renew leases more often than their ttl if this owner was only slow.",
    );
  }
}

/** An append did not continue the run's history at its end: someone else wrote to it meanwhile. */
export class CheckpointConflictError extends FlowletError {
  override name = "CheckpointConflictError";
  constructor(
    readonly runId: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(
      `Run "${runId}" cannot take checkpoint ${got}: its history ends at ${expected - 1}, so another writer changed it ` +
        "(or it was deleted). Nothing was overwritten; resume the run to continue from its latest checkpoint.",
    );
  }
}

const WRITE_FAILURES: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: "the disk is full", fix: "free space" },
  EDQUOT: { what: "the disk quota is exceeded", fix: "free space or raise the quota" },
  SQLITE_FULL: { what: "the disk is full", fix: "free space" },
  EROFS: { what: "the file system is read-only", fix: "point the saver at a writable place" },
  SQLITE_READONLY: { what: "the database is read-only", fix: "point the saver at a writable place" },
  EACCES: { what: "permission is denied", fix: "give this process write access" },
  EPERM: { what: "the operation is not permitted", fix: "give this process write access" },
  SQLITE_CANTOPEN: { what: "the database cannot be opened", fix: "check the path and its permissions" },
};

/** A saver could not write: the disk is full, read-only, or not ours. Names the saver and the path. */
export class CheckpointWriteError extends FlowletError {
  override name = "CheckpointWriteError";
  readonly saver: string;
  readonly path: string;
  readonly code: string | undefined;
  readonly runId: string | undefined;
  constructor(options: { saver: string; path: string; code?: string; runId?: string; cause?: unknown }) {
    const known = options.code === undefined ? undefined : WRITE_FAILURES[options.code];
    const what = known?.what ?? `writing failed (${options.code ?? describe(options.cause)})`;
    const then = options.runId === undefined ? "then try again" : `then resume run "${options.runId}" with flow.resume`;
    super(`${options.saver} cannot write ${options.path}: ${what}. ${capitalize(known?.fix ?? "fix the cause")}, ${then}.`, {
      cause: options.cause,
    });
    this.saver = options.saver;
    this.path = options.path;
    this.code = options.code;
    this.runId = options.runId;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

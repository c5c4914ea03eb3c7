/**
 * Every error the core throws, in one place. All extend {@link FlowletError}, so
 * `instanceof FlowletError` catches them all; each message says what to do about it.
 */

/** Base class of every error Flowlet throws itself. */
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

/**
 * One exec attempt ran past the node's `timeout`: its `ctx.signal` was aborted with this error, and
 * the attempt failed with it. Timed-out attempts are retried like other failures; after the last,
 * the run rejects with a {@link NodeError} whose `cause` is this.
 */
export class NodeTimeoutError extends FlowletError {
  override name = "NodeTimeoutError";
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
    /** The 0-based attempt that timed out. */
    readonly attempt: number,
  ) {
    super(
      `Node "${path}" timed out after ${timeoutMs} ms (attempt ${attempt + 1}). Raise its timeout option if the work needs longer, ` +
        "or pass ctx.signal on to what it waits for, so the work itself stops too.",
    );
  }
}

/**
 * A node emitted events faster than the `flow.stream` consumer reads them, without awaiting
 * `ctx.emit`: rather than buffer without bound, the stream refuses the event.
 */
export class StreamOverflowError extends FlowletError {
  override name = "StreamOverflowError";
  constructor(readonly limit: number) {
    super(
      `More than ${limit} events are waiting for the flow.stream consumer. Await ctx.emit(...) in the node, so that it waits while the consumer catches up.`,
    );
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

/**
 * Thrown by `ctx.interrupt(payload)` to pause the run for human input. With a checkpoint saver the
 * run resolves `{ status: "interrupted", payload }` instead; without one it rejects with this.
 */
export class Interrupt extends FlowletError {
  override name = "Interrupt";
  constructor(
    readonly payload: unknown,
    /** The interrupting node's key in the graph. */
    readonly key: string,
    /** The interrupting node's path, e.g. "Review/Approve" ("" when the run has no checkpoint). */
    readonly path: string,
  ) {
    super(
      `${path ? `Node "${path}"` : "A node"} interrupted the run for human input. Pass { checkpoint, runId } to flow.run to pause it, and flow.resume(runId, { resumeWith }) to continue.`,
    );
  }
}

/** A value in the shared store (or a batch result) that a checkpoint cannot hold without losing it. */
export class SnapshotError extends FlowletError {
  override name = "SnapshotError";
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(
      `Cannot checkpoint ${path}: it is ${what}, which JSON cannot hold without loss. ` +
        "Keep only plain data (objects, arrays, strings, finite numbers, booleans, null) in the shared store, and clients or handles outside it.",
    );
  }
}

/** A write that its key's schema rejected. */
export class StoreSchemaError extends FlowletError {
  override name = "StoreSchemaError";
  constructor(
    readonly key: string,
    readonly issues: ReadonlyArray<{ message: string }>,
    detail: string,
  ) {
    super(`Store key "${key}" rejected the value written to it: ${detail}`);
  }
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

/** @internal An error's message, whatever was thrown. */
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

/**
 * A run was saved in an older checkpoint format (version 1, Flowlet's first) that this version does
 * not resume: its batches were recorded by index, not by item identity, so their results could be
 * attached to the wrong items. Names the run, the saver and where the old records are.
 */
export class CheckpointVersionError extends FlowletError {
  override name = "CheckpointVersionError";
  readonly runId: string;
  readonly saver: string;
  readonly path: string;
  readonly version: number;
  constructor(options: { runId: string; saver: string; path: string; version: number }) {
    super(
      `Run "${options.runId}" in ${options.saver} was saved in checkpoint format version ${options.version} (${options.path}), ` +
        "which this Flowlet cannot resume. Finish it with the Flowlet version that started it, or delete it " +
        `(saver.delete("${options.runId}") removes the old records too) and start it afresh with flow.run.`,
    );
    this.runId = options.runId;
    this.saver = options.saver;
    this.path = options.path;
    this.version = options.version;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import { FlowletError } from "./errors.js";

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

import { FlowletError } from "flowlet";

/** Invalid options of a queue or worker: says which option and what it accepts. */
export class QueueConfigError extends FlowletError {
  override name = "QueueConfigError";
}

/** A job names a flow that this worker was not given in `flows`. */
export class UnknownFlowError extends FlowletError {
  override name = "UnknownFlowError";
}

/** The run was canceled with `queue.cancel(runId)`. The reason its workers' signals abort with. */
export class RunCanceledError extends FlowletError {
  override name = "RunCanceledError";
  constructor(readonly runId: string) {
    super(`Run "${runId}" was canceled. Resume it with queue.resume("${runId}") to continue from its last checkpoint.`);
  }
}

/** `queue.resume` of a run that is neither paused (interrupted), failed nor canceled. */
export class RunNotPausedError extends FlowletError {
  override name = "RunNotPausedError";
}

/** A distributed batch item failed on the worker that ran it; the message is that worker's error. */
export class DistributedItemError extends FlowletError {
  override name = "DistributedItemError";
}

/** The run failed on a worker after its job's last attempt; `message` is the worker's error. */
export class RunFailedError extends FlowletError {
  override name = "RunFailedError";
  constructor(
    readonly runId: string,
    reason: string,
  ) {
    super(`Run "${runId}" failed: ${reason}`);
  }
}

/** `ctx.interrupt` in a distributed item: the item runs on another worker, with no run to pause. */
export class ItemInterruptError extends FlowletError {
  override name = "ItemInterruptError";
}

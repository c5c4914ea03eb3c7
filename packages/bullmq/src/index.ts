export { FlowQueue, type FlowQueueOptions, type RunHandle, type RunOutcome } from "./queue.js";
export { startWorker, type FlowWorker, type RunnableFlow, type WorkerOptions } from "./worker.js";
export { distributed, type BatchLike } from "./distributed.js";
export type { QueueEvent } from "./events.js";
export type { Connection } from "./connection.js";
export {
  QueueConfigError,
  UnknownFlowError,
  RunCanceledError,
  RunNotPausedError,
  DistributedItemError,
  RunFailedError,
  ItemInterruptError,
} from "./errors.js";

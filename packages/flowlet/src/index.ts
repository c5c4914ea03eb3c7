export { NodeContext, type Params, type MaybePromise } from "./context.js";
export { FlowletError, NodeError, MaxStepsExceededError, ConfigError, type Phase } from "./errors.js";
export type { Hooks, HookName, NodeEvent } from "./hooks.js";
export type { RunOptions } from "./scope.js";
export { BaseNode, Node, DEFAULT_ACTION, ANY_ACTION, type RetryOptions } from "./node.js";
export { Flow, type FlowOptions } from "./flow.js";
export { BatchNode, ParallelBatchNode, BatchFlow, ParallelBatchFlow, type Items, type ParallelOptions } from "./batch.js";
export { toMermaid } from "./mermaid.js";
export { reachable } from "./graph.js";
export { Store, StoreSchemaError, type StoreSchema, type StoreObserver } from "./store.js";
export { SnapshotError, assertJSON, type JSONValue } from "./snapshot.js";
export type { StandardSchemaV1, StandardResult, StandardIssue, InferOutput } from "./schema.js";
export { formatIssues } from "./schema.js";
export { Interrupt } from "./interrupt.js";
export {
  CheckpointNotFoundError,
  CheckpointMismatchError,
  CheckpointCorruptError,
  RunExistsError,
  parseCheckpoint,
  type Checkpoint,
  type Frame,
} from "./checkpoint.js";
export { RunLockedError, LeaseLostError, CheckpointConflictError, CheckpointWriteError } from "./errors.js";
export {
  RUN_STATUSES,
  type RunStatus,
  type CheckpointRecord,
  type CheckpointInfo,
  type RunInfo,
  type RunEvent,
  type NewRunEvent,
  type Lease,
  type AcquireOptions,
  type CheckpointSaver,
  chainStart,
  pruneCut,
} from "./saver.js";
export { MemorySaver } from "./memory-saver.js";
export { checksumOf } from "./checksum.js";
export { readCheckpoint, type CorruptHandler } from "./legacy-saver.js";
export { shapeOf, type DurableRunOptions, type ResumeOptions, type RunResult } from "./durable.js";

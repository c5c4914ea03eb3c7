export { NodeContext, type EmitOptions } from "./context.js";
export type { Params, MaybePromise } from "./util.js";
export {
  FlowletError,
  NodeError,
  MaxStepsExceededError,
  ConfigError,
  NodeTimeoutError,
  StreamOverflowError,
  Interrupt,
  SnapshotError,
  StoreSchemaError,
  CheckpointNotFoundError,
  CheckpointMismatchError,
  CheckpointCorruptError,
  RunExistsError,
  RunLockedError,
  LeaseLostError,
  CheckpointConflictError,
  CheckpointWriteError,
  CheckpointVersionError,
  type Phase,
} from "./errors.js";
export type { Hooks, HookName, NodeEvent, FlowletWarning } from "./events.js";
export type { RunOptions } from "./run.js";
export type { RetryOptions } from "./retry.js";
export type { Journal, Outcome, FlowPosition, BatchKind, ItemEvent } from "./journal.js";
export { BaseNode, RetryNode, Node, DEFAULT_ACTION, ANY_ACTION } from "./node.js";
export { Flow, type FlowOptions } from "./flow.js";
export {
  BatchNode,
  ParallelBatchNode,
  BatchFlow,
  ParallelBatchFlow,
  type Items,
  type BatchOptions,
  type ParallelOptions,
} from "./batch.js";
export { toMermaid } from "./mermaid.js";
export { describeGraph, type GraphDescription, type GraphNodeDescription, type NodeKind } from "./describe.js";
export { reachable, shapeOf } from "./graph.js";
export { Store, type StoreSchema, type StoreObserver } from "./store.js";
export { assertJSON, type JSONValue } from "./snapshot.js";
export type { StandardSchemaV1, StandardResult, StandardIssue, InferOutput } from "./schema.js";
export { formatIssues } from "./schema.js";
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
export type { CorruptHandler } from "./history.js";
export type { LeaseOptions } from "./run-owner.js";
export { readCheckpoint, type Checkpoint, type Frame } from "./checkpoint.js";
export {
  DEFAULT_RETENTION,
  type Retention,
  type DurableOptions,
  type DurableRunOptions,
  type ResumeOptions,
  type RunResult,
} from "./durable.js";
export { Parallel, type ParallelOptions as ParallelNodeOptions } from "./parallel.js";
export type { FlowEvent, StreamOptions, StreamResult } from "./stream.js";
export type { CustomEvent, StoreEvent, InterruptEvent, CheckpointEvent } from "./events.js";

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
  MemorySaver,
  CheckpointNotFoundError,
  CheckpointMismatchError,
  CheckpointCorruptError,
  RunExistsError,
  parseCheckpoint,
  info as checkpointInfo,
  type Checkpoint,
  type CheckpointInfo,
  type CheckpointSaver,
  type Frame,
} from "./checkpoint.js";
export { shapeOf, type DurableRunOptions, type ResumeOptions, type RunResult } from "./durable.js";

export { serveA2A, type ServeA2AOptions, type A2AServer, type AgentCardInput } from "./a2a-server.js";
export type { A2AInput, FlowAgentOptions } from "./a2a-executor.js";
export { MemoryTaskStore, type TaskStoreLimits, type EvictingTaskStore } from "./a2a-task-store.js";
export { DurableTaskStore, type TaskRecords } from "./a2a-durable-store.js";
export { checkpointTaskRecords } from "./a2a-saver-records.js";
export type { DeltaOptions } from "./deltas.js";
export type { PushNotificationOptions } from "./a2a-push.js";
export { SendToAgent, type SendToAgentOptions, type A2AOutgoing, type A2AResult } from "./a2a-client.js";
export {
  connectMCP,
  type MCPConnection,
  type MCPConnectOptions,
  type MCPStdioServer,
  type MCPHttpServer,
  type MCPToolSpec,
  type MCPToolResult,
  type MCPCallOptions,
  type MCPProgress,
  type MCPResource,
  type MCPResourceContents,
  type MCPPrompt,
  type MCPPromptMessages,
} from "./mcp-client.js";
export { CallMCPTool, type CallMCPToolOptions, type ToolCallInput } from "./mcp-node.js";
export { registerFlowTool, serveMCP, type FlowToolOptions, type MCPHttpHandle, type ServeMCPOptions } from "./mcp-server.js";
export type { ListenOptions } from "./listen-options.js";
export { emitText, withTextSink, type TextSink } from "./emit-text.js";
export {
  InteropError,
  InteropConfigError,
  InteropTimeoutError,
  A2ATaskError,
  A2ARequestError,
  MCPToolError,
  MCPRequestError,
  TaskCanceled,
  TaskRecordError,
} from "./errors.js";

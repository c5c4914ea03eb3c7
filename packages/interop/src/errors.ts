/** Base class of every error `@flowlet/interop` throws itself. */
export class InteropError extends Error {
  override name = "InteropError";
}

/** Invalid server or client options, found before anything listens or connects; or a server that cannot be reached at all. */
export class InteropConfigError extends InteropError {
  override name = "InteropConfigError";
}

/** A call took longer than its timeout (`timeoutMs`). `ms` is the timeout that ran out. */
export class InteropTimeoutError extends InteropError {
  override name = "InteropTimeoutError";
  constructor(
    readonly ms: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A remote A2A agent ended a task without completing it (failed, canceled, rejected, or it needs
 * authentication). `state` is the A2A state name, `text` what the agent said about it.
 */
export class A2ATaskError extends InteropError {
  override name = "A2ATaskError";
  constructor(
    readonly state: string,
    readonly taskId: string | undefined,
    readonly text: string,
  ) {
    super(`The remote agent's task${taskId ? ` ${taskId}` : ""} ended "${state}"${text ? `: ${text}` : ""}.`);
  }
}

/**
 * A remote A2A agent refused a request (a JSON-RPC or HTTP error: unknown task, a task still
 * running, bad token…), or its connection broke mid-stream. `taskId` is set once a task existed.
 */
export class A2ARequestError extends InteropError {
  override name = "A2ARequestError";
  constructor(
    readonly url: string,
    readonly taskId: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The reason a served run's signal aborts with: its A2A task was canceled, or the server closed. */
export class TaskCanceled extends InteropError {
  override name = "TaskCanceled";
}

/** A stored A2A task record could not be read back (damaged, or written by something else). */
export class TaskRecordError extends InteropError {
  override name = "TaskRecordError";
}

/** An MCP tool reported an error (`isError: true`), or the tool call named a tool the server lacks. */
export class MCPToolError extends InteropError {
  override name = "MCPToolError";
  constructor(
    readonly tool: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An MCP request other than a tool call failed: a resource or prompt the server lacks, or a lost connection. */
export class MCPRequestError extends InteropError {
  override name = "MCPRequestError";
}

/** Base class of every error `@flowlet/interop` throws itself. */
export class InteropError extends Error {
  override name = "InteropError";
}

/** Invalid server or client options, found before anything listens or connects. */
export class InteropConfigError extends InteropError {
  override name = "InteropConfigError";
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

/** The reason a served run's signal aborts with: its A2A task was canceled, or the server closed. */
export class TaskCanceled extends InteropError {
  override name = "TaskCanceled";
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

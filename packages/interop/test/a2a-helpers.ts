import { randomUUID } from "node:crypto";
import { type Message, Role, type SendMessageRequest, type Task, TaskState } from "@a2a-js/sdk";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";

/** An official SDK client for the agent at `url`. */
export function connect(url: string): Promise<Client> {
  return new ClientFactory().createFromUrl(url);
}

/** A SendMessage request with one text part, built from the SDK's own types. */
export function request(text: string, ids: { taskId?: string; contextId?: string } = {}, returnImmediately = false): SendMessageRequest {
  const message: Message = {
    messageId: randomUUID(),
    taskId: ids.taskId ?? "",
    contextId: ids.contextId ?? "",
    role: Role.ROLE_USER,
    parts: [{ content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: undefined }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  const configuration = { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately };
  return { tenant: "", message, configuration, metadata: undefined };
}

export function asTask(result: Message | Task): Task {
  if (!("id" in result)) throw new Error(`Expected a task, got a message: ${JSON.stringify(result)}`);
  return result;
}

/** The text of a task's artifacts. */
export function artifactText(task: Task): string {
  return task.artifacts
    .flatMap((a) => a.parts)
    .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
    .join("");
}

export function statusText(task: Task): string {
  return (task.status?.message?.parts ?? []).map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
}

export { TaskState };

/** A promise with its resolve exposed: lets a test hold a node until it says go. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Raw JSON-RPC over fetch, for what the official client would never send. */
export async function rawPost(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "A2A-Version": "1.0", ...headers },
    body,
  });
  const text = await response.text();
  let json: { id?: unknown; error?: { code: number; message: string }; result?: unknown } | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

import { randomUUID } from "node:crypto";
import { type Message, type Part, Role, TaskState, taskStateToJSON } from "@a2a-js/sdk";

/** The text parts of a message or artifact, joined. */
export function textOf(parts: readonly Part[] | undefined): string {
  let text = "";
  for (const part of parts ?? []) if (part.content?.$case === "text") text += part.content.value;
  return text;
}

/** The structured (`data`) parts of a message or artifact, in order. */
export function dataOf(parts: readonly Part[] | undefined): unknown[] {
  const data: unknown[] = [];
  for (const part of parts ?? []) if (part.content?.$case === "data") data.push(part.content.value);
  return data;
}

/** A value as A2A parts: a string becomes a text part, `undefined` none, anything else a JSON data part. */
export function toParts(value: unknown): Part[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [textPart(value)];
  return [{ content: { $case: "data", value }, mediaType: "application/json", filename: "", metadata: undefined }];
}

export function textPart(text: string): Part {
  return { content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: undefined };
}

/** A message from the agent (role agent) within a task. */
export function agentMessage(taskId: string, contextId: string, parts: Part[], metadata?: Record<string, unknown>): Message {
  return {
    messageId: randomUUID(),
    taskId,
    contextId,
    role: Role.ROLE_AGENT,
    parts,
    metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** A message from the user (role user), optionally continuing a task. */
export function userMessage(parts: Part[], ids: { taskId?: string; contextId?: string } = {}): Message {
  return {
    messageId: randomUUID(),
    taskId: ids.taskId ?? "",
    contextId: ids.contextId ?? "",
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** "TASK_STATE_INPUT_REQUIRED" → "input-required": the spelling people know from the A2A docs. */
export function stateName(state: TaskState | undefined): string {
  return taskStateToJSON(state ?? TaskState.TASK_STATE_UNSPECIFIED)
    .replace(/^TASK_STATE_/, "")
    .toLowerCase()
    .replace(/_/g, "-");
}

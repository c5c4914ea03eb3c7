import { type ListTasksRequest, type ListTasksResponse, type Task, TaskState } from "@a2a-js/sdk";
import type { ServerCallContext } from "@a2a-js/sdk/server";

/** States after which a task changes no more. */
export const TERMINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** A task's key in a store: tasks of different tenants never meet. */
export function taskKey(taskId: string, context: ServerCallContext | undefined): string {
  const tenant = context?.tenant ?? "";
  return tenant ? `${tenant}\u0000${taskId}` : taskId;
}

export function tenantOf(key: string): string {
  const at = key.indexOf("\u0000");
  return at < 0 ? "" : key.slice(0, at);
}

/**
 * ListTasks over a tenant's tasks, as the spec has it: filter by context, state and status time,
 * newest status first, paged by an opaque token. `tasks` may be the store's own objects: the page
 * is copied.
 */
export function listTasks(tasks: Iterable<Task>, params: ListTasksRequest): ListTasksResponse {
  const { contextId, status, pageToken, statusTimestampAfter, includeArtifacts = false } = params;
  const pageSize = params.pageSize ?? 50;
  const after = statusTimestampAfter ? Date.parse(statusTimestampAfter) : undefined;
  let matching = [...tasks].filter(
    (t) =>
      (!contextId || t.contextId === contextId) &&
      (status === undefined || status === TaskState.TASK_STATE_UNSPECIFIED || t.status?.state === status) &&
      (after === undefined || (t.status?.timestamp !== undefined && Date.parse(t.status.timestamp) > after)),
  );
  matching.sort((a, b) => (b.status?.timestamp ?? "").localeCompare(a.status?.timestamp ?? "") || b.id.localeCompare(a.id));
  const totalSize = matching.length;
  if (pageToken) {
    const cursor = decodeToken(pageToken);
    const at = cursor ? matching.findIndex((t) => (t.status?.timestamp ?? "") === cursor.t && t.id === cursor.id) : -1;
    matching = at < 0 ? [] : matching.slice(at + 1);
  }
  const page = matching.slice(0, pageSize);
  const last = page.at(-1);
  const nextPageToken = last && matching.length > page.length ? encodeToken(last) : "";
  const copies = page.map((t) => {
    const copy = structuredClone(t);
    if (!includeArtifacts) copy.artifacts = [];
    return copy;
  });
  return { tasks: copies, nextPageToken, pageSize, totalSize };
}

function encodeToken(task: Task): string {
  return Buffer.from(JSON.stringify({ t: task.status?.timestamp ?? "", id: task.id })).toString("base64url");
}

function decodeToken(token: string): { t: string; id: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { t?: unknown; id?: unknown };
    return typeof value.t === "string" && typeof value.id === "string" ? { t: value.t, id: value.id } : undefined;
  } catch {
    return undefined;
  }
}

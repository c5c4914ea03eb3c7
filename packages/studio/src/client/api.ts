import type { CheckpointInfo, RunEvent } from "flowlet";
import type { ActionResult, RunActions } from "../server/actions.js";
import type { Change } from "../server/diff.js";
import type { StepState } from "../server/history.js";
import type { RunRow, RunsPage } from "../server/runs-page.js";

export type { Change, CheckpointInfo, RunEvent, RunRow, RunsPage, StepState, ActionResult };

/** A run as the run page gets it. */
export type RunDetail = RunRow & { graph: string | null };

export interface RunResponse {
  run: RunDetail;
  checkpoints: CheckpointInfo[];
  actions: RunActions | null;
}

export interface Info {
  saver: string;
  flows: string[];
  statuses: string[];
}

export type StateResponse = StepState & { changes: Change[] };

/** Thrown for a non-2xx answer, with the server's message. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => ({}))) as { error?: { message: string } };
  if (!response.ok && response.status !== 202) throw new ApiError(response.status, body.error?.message ?? response.statusText);
  return body as T;
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const id = (runId: string) => encodeURIComponent(runId);

export const api = {
  info: () => call<Info>("/api/info"),
  runs: (query: { status?: string; q?: string; offset: number; limit: number }) => {
    const params = new URLSearchParams({ offset: String(query.offset), limit: String(query.limit) });
    if (query.status) params.set("status", query.status);
    if (query.q) params.set("q", query.q);
    return call<RunsPage>(`/api/runs?${params}`);
  },
  run: (runId: string) => call<RunResponse>(`/api/runs/${id(runId)}`),
  events: (runId: string, after: number) => call<{ events: RunEvent[] }>(`/api/runs/${id(runId)}/events?after=${after}`),
  state: (runId: string, seq: number) => call<StateResponse>(`/api/runs/${id(runId)}/state?seq=${seq}`),
  answer: (runId: string, answer: unknown) => call<ActionResult>(`/api/runs/${id(runId)}/answer`, post({ answer })),
  fork: (runId: string, body: { seq: number; state: unknown; forkAs: string }) =>
    call<ActionResult>(`/api/runs/${id(runId)}/fork`, post(body)),
  live: (runId: string, after: number) => new EventSource(`/api/runs/${id(runId)}/live?after=${after}`),
};

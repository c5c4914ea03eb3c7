import type { CheckpointSaver, RunInfo, RunStatus } from "flowlet";

/** A page of the run list, as the Runs page shows it. */
export interface RunsPage {
  total: number;
  offset: number;
  runs: RunRow[];
  /** Runs per status over the whole registry (before the text filter), for the filter's counts. */
  counts: Partial<Record<RunStatus, number>>;
}

/** A registry row, trimmed for the list (no graph), with its duration. */
export type RunRow = Omit<RunInfo, "graph"> & { durationMs: number };

export interface RunsQuery {
  status?: RunStatus[];
  /** Case-insensitive substring of the run id, flow name or last node. */
  text?: string;
  offset: number;
  limit: number;
}

/** How long a registry read is reused: the list stays fast on 10,000 runs while pages and filters change. */
const REUSE_MS = 750;

/**
 * Pages through the run registry on the server: one `saver.runs()` read, reused for a moment, then
 * filtered and sliced, so the browser gets 50 rows, never 10,000.
 */
export class RunsIndex {
  readonly #saver: CheckpointSaver;
  #cached: { at: number; runs: Promise<RunInfo[]> } | undefined;

  constructor(saver: CheckpointSaver) {
    this.#saver = saver;
  }

  async page(query: RunsQuery): Promise<RunsPage> {
    const all = await this.#all();
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const run of all) counts[run.status] = (counts[run.status] ?? 0) + 1;
    const statuses = query.status && query.status.length > 0 ? new Set(query.status) : undefined;
    const text = query.text?.trim().toLowerCase();
    const matches = all.filter(
      (run) =>
        (!statuses || statuses.has(run.status)) &&
        (!text || run.runId.toLowerCase().includes(text) || run.flow.toLowerCase().includes(text) || (run.lastNode ?? "").toLowerCase().includes(text)),
    );
    const now = Date.now();
    const runs = matches.slice(query.offset, query.offset + query.limit).map((run) => row(run, now));
    return { total: matches.length, offset: query.offset, runs, counts };
  }

  /** Forgets the cached registry, after Studio itself changed it (an answer, a fork). */
  invalidate(): void {
    this.#cached = undefined;
  }

  #all(): Promise<RunInfo[]> {
    const now = Date.now();
    if (!this.#cached || now - this.#cached.at > REUSE_MS) {
      const runs = this.#saver.runs();
      this.#cached = { at: now, runs };
      runs.catch(() => {
        this.#cached = undefined;
      });
    }
    return this.#cached.runs;
  }
}

/** The list row of a run: its duration so far while it runs. */
export function row(run: RunInfo, now = Date.now()): RunRow {
  const { graph: _graph, ...rest } = run;
  const end = run.status === "running" ? now : Date.parse(run.updatedAt);
  return { ...rest, durationMs: Math.max(0, end - Date.parse(run.createdAt)) };
}

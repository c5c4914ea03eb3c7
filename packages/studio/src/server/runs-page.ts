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

/** A registry read is fresh this long at least, or twice as long as it took, whichever is longer. */
const REUSE_MS = 750;

/**
 * Pages through the run registry on the server: one `saver.runs()` read, filtered and sliced, so
 * the browser gets 50 rows, never 10,000. Reads are reused while fresh; a stale one is still
 * answered from at once while the next read runs in the background (a registry of 10,000 runs
 * can take seconds to read from files), and reads never overlap.
 */
export class RunsIndex {
  readonly #saver: CheckpointSaver;
  #cached: { at: number; took: number; runs: RunInfo[] } | undefined;
  #reading: Promise<RunInfo[]> | undefined;
  #filtered: { all: RunInfo[]; key: string; matches: RunInfo[]; counts: RunsPage["counts"] } | undefined;

  constructor(saver: CheckpointSaver) {
    this.#saver = saver;
  }

  async page(query: RunsQuery): Promise<RunsPage> {
    const all = await this.#all();
    const key = `${(query.status ?? []).join(",")}|${query.text?.trim().toLowerCase() ?? ""}`;
    // Paging through one filter re-slices the list it already made.
    if (this.#filtered?.all !== all || this.#filtered.key !== key) this.#filtered = { all, key, ...filter(all, query) };
    const { matches, counts } = this.#filtered;
    const now = Date.now();
    const runs = matches.slice(query.offset, query.offset + query.limit).map((run) => row(run, now));
    return { total: matches.length, offset: query.offset, runs, counts };
  }

  /** Forgets the cached registry, after Studio itself changed it (an answer, a fork). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #all(): Promise<RunInfo[]> {
    const cached = this.#cached;
    if (!cached) return this.#read();
    if (Date.now() - cached.at > Math.max(REUSE_MS, 2 * cached.took)) this.#read().catch(() => {});
    return cached.runs;
  }

  #read(): Promise<RunInfo[]> {
    this.#reading ??= (async () => {
      const start = Date.now();
      try {
        const runs = await this.#saver.runs();
        this.#cached = { at: Date.now(), took: Date.now() - start, runs };
        return runs;
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }
}

function filter(all: RunInfo[], query: RunsQuery): { matches: RunInfo[]; counts: RunsPage["counts"] } {
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const run of all) counts[run.status] = (counts[run.status] ?? 0) + 1;
  const statuses = query.status && query.status.length > 0 ? new Set(query.status) : undefined;
  const text = query.text?.trim().toLowerCase();
  const matches = all.filter(
    (run) =>
      (!statuses || statuses.has(run.status)) &&
      (!text ||
        run.runId.toLowerCase().includes(text) ||
        run.flow.toLowerCase().includes(text) ||
        (run.lastNode ?? "").toLowerCase().includes(text)),
  );
  return { matches, counts };
}

/** The list row of a run: its duration so far while it runs. */
export function row(run: RunInfo, now = Date.now()): RunRow {
  const { graph: _graph, ...rest } = run;
  const end = run.status === "running" ? now : Date.parse(run.updatedAt);
  return { ...rest, durationMs: Math.max(0, end - Date.parse(run.createdAt)) };
}

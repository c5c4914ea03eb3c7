import type { CheckpointInfo, RunEvent } from "./api.js";

/** One saved step, with what the event log says about the node visit it records. */
export interface Step {
  seq: number;
  at: string;
  status: string;
  node: string;
  durationMs?: number;
  action?: string;
  /** Failed attempts that were retried. */
  retries: number;
  /** A batch item's save, inside the visit that the node's next save completes. */
  item: boolean;
}

/** One node visit (or one batch item), from its start event to its end (or to now, while it runs). */
export interface Span {
  path: string;
  /** What its bar says: the node's name, or "item 3" for a batch item. */
  label: string;
  lane: string;
  start: number;
  end: number | undefined;
  action?: string;
  retries: number;
  /** nodeError events seen so far in this visit. */
  errors: number;
  failed: boolean;
}

export interface Timeline {
  steps: Step[];
  spans: Span[];
  /** "main" first, then parallel lanes and batch items in order. */
  lanes: string[];
  start: number;
  end: number;
}

interface EventData {
  action?: string;
  durationMs?: number;
  item?: number;
  key?: string;
  outcome?: string;
  willRetry?: boolean;
}

/** The batch item a visit belongs to, when its path or event names one. */
function itemOf(event: RunEvent): string | undefined {
  const data = (event.data ?? {}) as EventData;
  if (typeof data.item === "number") return `item ${data.item}`;
  const items = [...(event.path ?? "").matchAll(/\[(\d+)\]/g)].map((m) => m[1]);
  return items.length > 0 ? `item ${items.join(".")}` : undefined;
}

/**
 * Puts every visit without a batch item in a lane: "main" if it does not overlap the lane's last
 * visit, else the first free parallel lane. Visits that ran at once are side by side.
 */
function assignLanes(spans: Span[], now: number): void {
  // A flow's visit spans its nodes' visits: it gets a lane of its own, above them.
  const paths = [...new Set(spans.map((s) => s.path))];
  const flows = new Set(paths.filter((p) => paths.some((q) => q.startsWith(`${p}/`))));
  const ends: number[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.lane !== "") continue;
    if (flows.has(span.path)) {
      span.lane = `flow ${span.path}`;
      continue;
    }
    let lane = ends.findIndex((end) => end <= span.start);
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = span.end ?? now;
    span.lane = lane === 0 ? "main" : `parallel ${lane + 1}`;
  }
}

/**
 * Pairs start and end events into spans and joins them to the checkpoints, in order per node. A
 * batch node saves once per item and once when it completes: consecutive saves of a batch node
 * (`isBatch`) are one visit, its last save the completion.
 */
export function buildTimeline(
  checkpoints: CheckpointInfo[],
  events: RunEvent[],
  isBatch: (path: string) => boolean,
  now = Date.now(),
): Timeline {
  const open = new Map<string, Span[]>();
  const spans: Span[] = [];
  const ends = new Map<string, Span[]>();
  for (const event of events) {
    const path = event.path ?? "";
    const item = itemOf(event);
    const key = `${item ?? ""}|${path}`;
    const at = Date.parse(event.at);
    const data = (event.data ?? {}) as EventData;
    const name = path.split("/").at(-1) ?? path;
    if (event.type === "nodeStart") {
      const span: Span = { path, label: name, lane: item ?? "", start: at, end: undefined, retries: 0, errors: 0, failed: false };
      spans.push(span);
      open.set(key, [...(open.get(key) ?? []), span]);
    } else if (event.type === "itemStart" && typeof data.item === "number") {
      // The engine's per-item events: each item of a batch node, run of a batch flow, or branch of a Parallel, on its own lane.
      const lane = `${name} item ${data.item}`;
      const span: Span = { path, label: `item ${data.item}`, lane, start: at, end: undefined, retries: 0, errors: 0, failed: false };
      spans.push(span);
      open.set(key, [...(open.get(key) ?? []), span]);
    } else if (event.type === "itemEnd") {
      const span = open.get(key)?.pop();
      if (!span) continue;
      span.end = typeof data.durationMs === "number" ? span.start + data.durationMs : at;
      span.retries = span.errors;
      span.failed = data.outcome === "failed";
      if (data.outcome) span.action = data.outcome;
    } else if (event.type === "nodeEnd") {
      const stack = open.get(key);
      const span = stack?.pop();
      if (!span) continue;
      span.end = typeof data.durationMs === "number" ? span.start + data.durationMs : at;
      span.action = data.action;
      // Errors before a successful end were attempts that were retried (or caught by a fallback).
      span.retries = span.errors;
      span.failed = false;
      ends.set(path, [...(ends.get(path) ?? []), span]);
    } else if (event.type === "nodeError") {
      const span = open.get(key)?.at(-1);
      if (!span) continue;
      span.errors++;
      // A visit whose errors are not followed by an end failed (or still retries).
      span.failed = data.willRetry !== true;
    }
  }
  const used = new Map<string, number>();
  const steps = checkpoints.map((cp, at): Step => {
    if (isBatch(cp.node) && checkpoints[at + 1]?.node === cp.node) {
      return { seq: cp.seq, at: cp.at, status: cp.status, node: cp.node, retries: 0, item: true };
    }
    const visits = ends.get(cp.node) ?? [];
    const i = used.get(cp.node) ?? 0;
    used.set(cp.node, i + 1);
    const span = visits[i];
    return {
      seq: cp.seq,
      at: cp.at,
      status: cp.status,
      node: cp.node,
      durationMs: span?.end === undefined ? undefined : span.end - span.start,
      action: span?.action,
      retries: span?.retries ?? 0,
      item: false,
    };
  });
  assignLanes(spans, now);
  const rank = (lane: string) => (lane.startsWith("flow ") ? 0 : lane === "main" ? 1 : lane.startsWith("parallel ") ? 2 : 3);
  const lanes = [...new Set(spans.map((s) => s.lane))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b, undefined, { numeric: true }),
  );
  let start = now;
  let end = 0;
  for (const s of spans) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end ?? now);
  }
  for (const c of checkpoints) end = Math.max(end, Date.parse(c.at));
  return { steps, spans, lanes, start, end };
}

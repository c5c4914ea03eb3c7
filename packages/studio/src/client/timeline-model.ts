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
}

/** One node visit, from its start event to its end (or to now, while it runs). */
export interface Span {
  path: string;
  lane: string;
  start: number;
  end: number | undefined;
  action?: string;
  retries: number;
  failed: boolean;
}

export interface Timeline {
  steps: Step[];
  spans: Span[];
  /** "main" first, then batch items in index order. */
  lanes: string[];
  start: number;
  end: number;
}

interface EventData {
  action?: string;
  durationMs?: number;
  item?: number;
  willRetry?: boolean;
}

/** Which lane a visit belongs to: its batch item, when its path or event names one. */
function laneOf(event: RunEvent): string {
  const data = (event.data ?? {}) as EventData;
  if (typeof data.item === "number") return `item ${data.item}`;
  const items = [...(event.path ?? "").matchAll(/\[(\d+)\]/g)].map((m) => m[1]);
  return items.length > 0 ? `item ${items.join(".")}` : "main";
}

/** Pairs start and end events into spans and joins them to the checkpoints, in order per node. */
export function buildTimeline(checkpoints: CheckpointInfo[], events: RunEvent[], now = Date.now()): Timeline {
  const open = new Map<string, Span[]>();
  const spans: Span[] = [];
  const ends = new Map<string, Span[]>();
  for (const event of events) {
    const path = event.path ?? "";
    const key = `${laneOf(event)}|${path}`;
    const at = Date.parse(event.at);
    const data = (event.data ?? {}) as EventData;
    if (event.type === "nodeStart") {
      const span: Span = { path, lane: laneOf(event), start: at, end: undefined, retries: 0, failed: false };
      spans.push(span);
      open.set(key, [...(open.get(key) ?? []), span]);
    } else if (event.type === "nodeEnd" || event.type === "nodeError" || event.type === "error") {
      const stack = open.get(key);
      const span = stack?.at(-1);
      if (!span) continue;
      if (event.type !== "nodeEnd" && data.willRetry) {
        span.retries++;
        continue;
      }
      stack?.pop();
      span.end = typeof data.durationMs === "number" ? span.start + data.durationMs : at;
      span.action = data.action;
      span.failed = event.type !== "nodeEnd";
      ends.set(path, [...(ends.get(path) ?? []), span]);
    }
  }
  const used = new Map<string, number>();
  const steps = checkpoints.map((cp): Step => {
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
    };
  });
  const lanes = [...new Set(spans.map((s) => s.lane))].sort((a, b) =>
    a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b, undefined, { numeric: true }),
  );
  const times = spans.flatMap((s) => [s.start, s.end ?? now]).concat(checkpoints.map((c) => Date.parse(c.at)));
  return { steps, spans, lanes, start: Math.min(...times, now), end: Math.max(...times, 0) };
}

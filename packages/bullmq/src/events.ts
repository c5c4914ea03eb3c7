import type { JSONValue } from "flowlet";
import type { Redis } from "ioredis";

/** What happened to a run, as its enqueuer sees it (in order, from any worker). */
export interface QueueEvent {
  /** The Redis stream id: strictly increasing within a run. */
  id: string;
  type: "started" | "nodeStart" | "nodeEnd" | "checkpoint" | "retrying" | "completed" | "interrupted" | "canceled" | "failed";
  runId: string;
  /** The BullMQ job of the run that this event belongs to (a resume is a new job). */
  jobId: string;
  /** ISO time. */
  at: string;
  /** The worker (host:pid) that emitted it. */
  worker?: string;
  /** The node, for node events. */
  path?: string;
  /** The checkpoint's seq, for checkpoint and interrupted events. */
  seq?: number;
  /** An interrupt's payload, an error message, a node's action. */
  data?: JSONValue;
}

/** Events after which nothing more happens until someone resumes the run. */
export const TERMINAL: ReadonlySet<QueueEvent["type"]> = new Set(["completed", "interrupted", "canceled", "failed"]);

const MAX_EVENTS = 10_000;

/** Appends an event to the run's stream (trimmed to about the last 10,000). */
export async function emitEvent(redis: Redis, key: string, event: Omit<QueueEvent, "id" | "at">): Promise<void> {
  await redis.xadd(key, "MAXLEN", "~", MAX_EVENTS, "*", "e", JSON.stringify({ ...event, at: new Date().toISOString() }));
}

/** The id of the stream's last entry, or "0-0": where a reader starts to see only what comes next. */
export async function lastEventId(redis: Redis, key: string): Promise<string> {
  const last = await redis.xrevrange(key, "+", "-", "COUNT", 1);
  return last[0]?.[0] ?? "0-0";
}

/**
 * The run's events after `after`, as they come, until a terminal one (included). Polls with a
 * backoff rather than blocking, so that many waiting enqueuers share one connection and a Redis
 * restart is just a slower poll.
 */
export async function* readEvents(
  redis: Redis,
  key: string,
  after: string,
  signal?: AbortSignal,
  accept: (event: QueueEvent) => boolean = () => true,
): AsyncGenerator<QueueEvent> {
  let last = after;
  let pause = 20;
  while (!signal?.aborted) {
    const entries = await redis.xrange(key, `(${last}`, "+", "COUNT", 500);
    for (const [id, fields] of entries) {
      last = id;
      const event = { ...(JSON.parse(fields[1] ?? "{}") as Omit<QueueEvent, "id">), id };
      if (!accept(event)) continue;
      yield event;
      if (TERMINAL.has(event.type)) return;
    }
    pause = entries.length > 0 ? 20 : Math.min(pause * 2, 400);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

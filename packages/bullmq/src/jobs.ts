import type { JSONValue } from "flowlet";

/** A run job: start the run, or continue it from its last checkpoint. */
export interface RunJobData {
  flow: string;
  runId: string;
  /** The initial store, for a start. */
  shared?: JSONValue;
  /** For a resume: the interrupted checkpoint it answers, and the answer. */
  answer?: { seq: number; value: JSONValue };
  /** A resume after cancel or failure: clears the cancel mark first. */
  resume?: boolean;
  /** The enqueuer's trace context (W3C `traceparent`, …), when it was traced. */
  trace?: Record<string, string>;
}

/** One item of a distributed batch. */
export interface ItemJobData {
  flow: string;
  runId: string;
  /** The batch node's place in the flow's graph. */
  node: string;
  item: JSONValue;
  params: JSONValue;
  attempt: number;
  /** The trace context of the run that dispatched it, when traced. */
  trace?: Record<string, string>;
}

/** How a run job ended. */
export type RunJobResult =
  | { status: "completed"; action: string; shared: JSONValue }
  | { status: "interrupted"; payload: JSONValue; seq: number }
  | { status: "canceled" };

/** What a worker records of a run in Redis, for `queue.resume` and `queue.cancel`. */
export interface RunState {
  status: "running" | "interrupted" | "completed" | "failed" | "canceled";
  /** The last checkpoint's seq. */
  seq: number;
}

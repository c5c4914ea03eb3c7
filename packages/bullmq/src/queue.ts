import { Queue } from "bullmq";
import { type JSONValue, assertJSON } from "flowlet";
import type { Redis } from "ioredis";
import { type Connection, type Keys, jobId, keys as keysOf, redisClient } from "./connection.js";
import { QueueConfigError, RunFailedError, RunNotPausedError } from "./errors.js";
import { type QueueEvent, readEvents } from "./events.js";
import type { RunJobData, RunJobResult } from "./jobs.js";
import { traceCarrier } from "./trace.js";

/** Options of {@link FlowQueue}. */
export interface FlowQueueOptions {
  connection: Connection;
  /** The queue's name; workers must use the same. Default "flowlet". */
  queue?: string;
  /** Attempts of a run job before the run is failed (each attempt resumes from the last checkpoint). Default 3. */
  attempts?: number;
  /** Delay before the first retry, doubled at each: ms. Default 1000. */
  backoffMs?: number;
  /** How long finished run jobs are kept (they make enqueue and resume idempotent): seconds. Default 7 days. */
  keepSeconds?: number;
}

/** How a run ended, as far as the queue goes: finished, paused for input, or canceled. A failed run rejects with {@link RunFailedError}. */
export type RunOutcome = RunJobResult;

/** One job of a run: its events, and its outcome. */
export interface RunHandle {
  readonly runId: string;
  readonly jobId: string;
  /** The job's events in order, from its start to its end (replayed if they already happened). */
  events(options?: { signal?: AbortSignal }): AsyncIterable<QueueEvent>;
  /** Resolves when the job ends: completed, interrupted or canceled; rejects with {@link RunFailedError}. */
  result(): Promise<RunOutcome>;
}

/**
 * The enqueuer's side: puts runs on the queue, resumes and cancels them, and follows them.
 *
 * ```ts
 * const queue = new FlowQueue({ connection: "redis://127.0.0.1:6379" });
 * const run = await queue.enqueue("summarise", { docs }, { runId: "batch-7" });
 * for await (const event of run.events()) console.log(event.type, event.path ?? "");
 * const outcome = await run.result();
 * ```
 */
export class FlowQueue {
  readonly #redis: Redis;
  readonly #queue: Queue<RunJobData, RunJobResult>;
  readonly #keys: Keys;
  readonly #jobOptions: {
    attempts: number;
    backoff: { type: "exponential"; delay: number };
    removeOnComplete: { age: number };
    removeOnFail: { age: number };
  };

  constructor(options: FlowQueueOptions) {
    if (!options?.connection) throw new QueueConfigError('FlowQueue needs a connection: a "redis://…" URL or ioredis options.');
    this.#keys = keysOf(options.queue ?? "flowlet");
    this.#redis = redisClient(options.connection);
    this.#redis.on("error", () => {});
    this.#queue = new Queue(this.#keys.runs, { connection: this.#redis });
    this.#queue.on("error", () => {});
    const keep = { age: options.keepSeconds ?? 7 * 24 * 3600 };
    this.#jobOptions = {
      attempts: options.attempts ?? 3,
      backoff: { type: "exponential", delay: options.backoffMs ?? 1_000 },
      removeOnComplete: keep,
      removeOnFail: keep,
    };
  }

  /**
   * Puts a run of the flow registered as `flowName` on the queue. Idempotent: enqueuing a runId
   * again gives the handle of its existing job.
   */
  async enqueue(flowName: string, shared: object, options: { runId: string }): Promise<RunHandle> {
    const runId = options?.runId;
    if (typeof runId !== "string" || runId === "")
      throw new QueueConfigError("enqueue needs { runId }: a non-empty string naming the run.");
    // Checked here, where the caller can fix it, rather than on a worker: the store travels as JSON.
    const data: RunJobData = { flow: flowName, runId, shared: assertJSON(shared, `the shared store of run "${runId}"`) };
    const trace = traceCarrier();
    if (trace) data.trace = trace;
    const job = await this.#queue.add(flowName, data, { ...this.#jobOptions, jobId: jobId("run", runId) });
    return this.handle(runId, job.id ?? "");
  }

  /**
   * Continues a paused run on the queue: an interrupted run gets `resumeWith` as the answer; a
   * failed or canceled run continues from its last checkpoint. Idempotent per pause: a second
   * resume of the same interrupt (a double click) joins the first one's job, and its answer is ignored.
   */
  async resume(runId: string, options: { resumeWith?: JSONValue } = {}): Promise<RunHandle> {
    const state = await this.#redis.hgetall(this.#keys.state(runId));
    const { status, mark, flow } = state;
    if (!flow || !mark || (status !== "interrupted" && status !== "failed" && status !== "canceled")) {
      throw new RunNotPausedError(
        `Run "${runId}" is ${status ?? "not known to this queue"}: only an interrupted, failed or canceled run can be resumed.`,
      );
    }
    const data: RunJobData = { flow, runId };
    const trace = traceCarrier();
    if (trace) data.trace = trace;
    if (status === "interrupted" && "resumeWith" in options) data.answer = { seq: Number(state.seq), value: options.resumeWith ?? null };
    if (status === "canceled") await this.#redis.del(this.#keys.canceled(runId));
    const job = await this.#queue.add(flow, data, { ...this.#jobOptions, jobId: jobId("resume", runId, mark) });
    return this.handle(runId, job.id ?? "");
  }

  /**
   * Cancels a run: the workers executing it (and its distributed items) abort at once, a queued
   * job of it is canceled when a worker takes it, and a paused run is marked canceled. Its
   * checkpoints stay, so `resume` can continue it later.
   */
  async cancel(runId: string): Promise<void> {
    await this.#redis.set(this.#keys.canceled(runId), "1", "EX", 7 * 24 * 3600);
    await this.#redis.publish(this.#keys.cancelChannel, runId);
    const { status, flow, mark } = await this.#redis.hgetall(this.#keys.state(runId));
    if (status === "interrupted" && flow && mark) {
      // A parked run has no worker: a job records the cancellation in the saver, under the run's lease.
      await this.#queue.add(flow, { flow, runId }, { ...this.#jobOptions, jobId: jobId("cancel", runId, mark) });
    }
  }

  /** Follows a run job already on the queue. */
  handle(runId: string, job: string): RunHandle {
    const redis = this.#redis;
    const key = this.#keys.events(runId);
    async function* events(options: { signal?: AbortSignal } = {}): AsyncGenerator<QueueEvent> {
      for await (const event of readEvents(redis, key, "0-0", options.signal, (e) => e.jobId === job)) yield event;
    }
    return {
      runId,
      jobId: job,
      events,
      result: async () => {
        for await (const event of events()) {
          if (event.type === "completed") {
            const { action, shared } = event.data as { action: string; shared: JSONValue };
            return { status: "completed", action, shared };
          }
          if (event.type === "interrupted") return { status: "interrupted", payload: event.data ?? null, seq: event.seq ?? 0 };
          if (event.type === "canceled") return { status: "canceled" };
          if (event.type === "failed") throw new RunFailedError(runId, String(event.data));
        }
        throw new RunFailedError(runId, "its event stream ended without an outcome");
      },
    };
  }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#redis.quit().catch(() => {});
  }
}

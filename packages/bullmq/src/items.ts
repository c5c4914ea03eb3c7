import type { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { DistributedItemError } from "./errors.js";
import type { ItemJobData } from "./jobs.js";

interface Waiter {
  data: ItemJobData;
  since: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const KEEP = { age: 24 * 3600 };

/**
 * Adds item jobs and waits for their results. Completion comes from BullMQ's queue events, and a
 * slow poll of the jobs still awaited covers events missed while Redis was away.
 */
export class ItemDispatcher {
  readonly #queue: Queue<ItemJobData>;
  readonly #waiting = new Map<string, Waiter>();
  readonly #timer: NodeJS.Timeout;
  readonly #bySignal = new WeakMap<AbortSignal, Set<string>>();
  readonly #redis: Redis;
  #pending: string[] = [];

  constructor(queue: Queue<ItemJobData>, events: QueueEvents, redis: Redis, pollMs = 5_000) {
    this.#queue = queue;
    this.#redis = redis;
    events.on("completed", ({ jobId, returnvalue }) => this.#settle(jobId, (w) => w.resolve(returnvalue)));
    events.on("failed", ({ jobId, failedReason }) => this.#settle(jobId, (w) => w.reject(new DistributedItemError(failedReason))));
    this.#timer = setInterval(() => void this.#poll().catch(() => {}), pollMs);
    this.#timer.unref();
  }

  /** Runs the item as job `id` (or joins the job of that id, if it exists), and resolves to its result. */
  run(id: string, data: ItemJobData, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const result = new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(id, { data, since: Date.now(), resolve, reject });
    });
    this.#watch(signal, id);
    // The items a batch starts in one tick go to Redis in one round trip.
    if (this.#pending.push(id) === 1) setImmediate(() => void this.#flush());
    return result;
  }

  /** Removes the jobs of items whose results are checkpointed. */
  async remove(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.#queue.remove(id).catch(() => 0)));
  }

  /** One abort listener per signal, not per item: a batch's items share their node's signal. */
  #watch(signal: AbortSignal, id: string): void {
    let ids = this.#bySignal.get(signal);
    if (!ids) {
      const set = new Set<string>();
      ids = set;
      this.#bySignal.set(signal, set);
      signal.addEventListener(
        "abort",
        () => {
          for (const waiting of set) this.#settle(waiting, (w) => w.reject(signal.reason));
        },
        { once: true },
      );
    }
    ids.add(id);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #flush(): Promise<void> {
    const ids = this.#pending.filter((id) => this.#waiting.has(id));
    this.#pending = [];
    try {
      const jobs = ids.map((id) => ({ name: "item", data: this.#waiting.get(id)!.data, opts: this.#jobOptions(id) }));
      await this.#queue.addBulk(jobs);
      await this.#checkMany(ids);
    } catch (error) {
      for (const id of ids) this.#settle(id, (w) => w.reject(error));
    }
  }

  /** Settles from the jobs themselves, in one pipeline: they may have finished before we waited (a redelivered run). */
  async #checkMany(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hmget(this.#queue.toKey(id), "finishedOn", "failedReason", "returnvalue");
    const replies = (await pipeline.exec()) ?? [];
    const missing: string[] = [];
    replies.forEach(([error, reply], i) => {
      const id = ids[i]!;
      if (error) return;
      const [finishedOn, failedReason, returnvalue] = reply as [string | null, string | null, string | null];
      if (!finishedOn) {
        if (failedReason === null && returnvalue === null && this.#waiting.has(id)) missing.push(id);
        return;
      }
      if (failedReason) this.#settle(id, (w) => w.reject(new DistributedItemError(failedReason)));
      else this.#settle(id, (w) => w.resolve(returnvalue === null ? null : JSON.parse(returnvalue)));
    });
    // Active or waiting jobs also have neither field; only a job whose hash is gone needs adding again.
    if (missing.length > 0) {
      const exists = await Promise.all(missing.map((id) => this.#redis.exists(this.#queue.toKey(id))));
      for (const [i, id] of missing.entries()) if (!exists[i]) await this.#add(id, this.#waiting.get(id)!.data);
    }
  }

  #jobOptions(id: string) {
    return { jobId: id, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP };
  }

  #add(id: string, data: ItemJobData) {
    return this.#queue.add("item", data, this.#jobOptions(id));
  }

  /** Settles from the job itself: it may have finished before we waited (a redelivered run). */
  async #check(id: string): Promise<void> {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    const job = await this.#queue.getJob(id);
    if (!job) {
      await this.#add(id, waiter.data); // removed meanwhile (retention): run it again
      return;
    }
    if (!job.finishedOn) return;
    if (job.failedReason) this.#settle(id, (w) => w.reject(new DistributedItemError(job.failedReason)));
    else this.#settle(id, (w) => w.resolve(job.returnvalue));
  }

  /** A fallback only: the jobs awaited for a while, a few at a time, so that a wide batch does not poll Redis for every item. */
  async #poll(): Promise<void> {
    const old = Date.now() - 15_000;
    const ids = [...this.#waiting].filter(([, w]) => w.since < old).map(([id]) => id);
    for (const id of ids.slice(0, 200)) {
      const waiter = this.#waiting.get(id);
      if (waiter) waiter.since = Date.now();
    }
    await Promise.all(ids.slice(0, 200).map((id) => this.#check(id)));
  }

  #settle(id: string, how: (waiter: Waiter) => void): void {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    this.#waiting.delete(id);
    how(waiter);
  }
}

import type { Queue, QueueEvents } from "bullmq";
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

  constructor(queue: Queue<ItemJobData>, events: QueueEvents, pollMs = 5_000) {
    this.#queue = queue;
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
    void this.#add(id, data)
      .then(() => this.#check(id))
      .catch((error) => this.#settle(id, (w) => w.reject(error)));
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

  #add(id: string, data: ItemJobData) {
    return this.#queue.add("item", data, { jobId: id, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
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

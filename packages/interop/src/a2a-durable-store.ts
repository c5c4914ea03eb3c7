import { type ListTasksRequest, type ListTasksResponse, Task } from "@a2a-js/sdk";
import type { ServerCallContext } from "@a2a-js/sdk/server";
import { type EvictingTaskStore, type TaskStoreLimits, checkLimits } from "./a2a-task-store.js";
import { listTasks, taskKey, tenantOf } from "./a2a-task-list.js";
import { TaskRecordError } from "./errors.js";

/**
 * What a durable task store needs from storage: text by key. Small on purpose, so that any
 * storage can back it; {@link checkpointTaskRecords} backs it with a flowlet checkpoint saver.
 */
export interface TaskRecords {
  /** The text stored under `key`, or undefined. */
  read(key: string): Promise<string | undefined>;
  /** Stores `text` under `key`, replacing what was there, atomically (a crash leaves the old or the new, never half). */
  write(key: string, text: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every key stored. */
  keys(): Promise<string[]>;
}

interface Stored {
  v: 1;
  touched: number;
  task: unknown;
}

/**
 * A task store that survives a restart: every task is written through to {@link TaskRecords}
 * (e.g. `checkpointTaskRecords(new SqliteSaver("tasks.db"))`), with the same limits as the
 * in-memory default (`ttlMs`, `maxTasks`). Only an index of ids and update times is kept in memory,
 * rebuilt from the records on first use. Tasks are stored in the A2A spec's JSON form.
 *
 * What survives is the task (state, artifacts, history), not its run: a task that was working when
 * the server stopped stays "working" in the store. With a durable checkpoint saver, a task parked
 * in input-required resumes after a restart too.
 */
export class DurableTaskStore implements EvictingTaskStore {
  onEvict?: (taskId: string) => void;
  readonly #records: TaskRecords;
  readonly #ttlMs: number;
  readonly #maxTasks: number;
  readonly #now: () => number;
  #index: Map<string, number> | undefined; // key → last update, oldest first
  #loading: Promise<Map<string, number>> | undefined;

  constructor(records: TaskRecords, limits: TaskStoreLimits & { now?: () => number } = {}) {
    this.#records = records;
    ({ ttlMs: this.#ttlMs, maxTasks: this.#maxTasks } = checkLimits(limits));
    this.#now = limits.now ?? Date.now;
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const index = await this.#ready();
    const key = taskKey(taskId, context);
    const touched = index.get(key);
    if (touched === undefined) return undefined;
    if (this.#now() - touched > this.#ttlMs) {
      await this.#drop(key, index);
      return undefined;
    }
    return (await this.#read(key))?.task;
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const index = await this.#ready();
    const key = taskKey(task.id, context);
    const touched = this.#now();
    const stored: Stored = { v: 1, touched, task: Task.toJSON(task) };
    await this.#records.write(key, JSON.stringify(stored));
    index.delete(key);
    index.set(key, touched);
    const cutoff = touched - this.#ttlMs;
    for (const [old, at] of index) {
      if (at >= cutoff && index.size <= this.#maxTasks) break;
      await this.#drop(old, index);
    }
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const index = await this.#ready();
    const tenant = context.tenant ?? "";
    const cutoff = this.#now() - this.#ttlMs;
    const tasks: Task[] = [];
    for (const [key, touched] of index) {
      if (tenantOf(key) !== tenant || touched < cutoff) continue;
      const read = await this.#read(key);
      if (read) tasks.push(read.task);
    }
    return listTasks(tasks, params);
  }

  async #read(key: string): Promise<{ task: Task; touched: number } | undefined> {
    const text = await this.#records.read(key);
    if (text === undefined) return undefined;
    try {
      const stored = JSON.parse(text) as Stored;
      if (stored.v !== 1 || typeof stored.touched !== "number") throw new Error("not a task record");
      return { task: Task.fromJSON(stored.task), touched: stored.touched };
    } catch (error) {
      throw new TaskRecordError(
        `The stored task record "${key}" cannot be read (${(error as Error).message}): remove it, or restore it from a backup.`,
        {
          cause: error,
        },
      );
    }
  }

  async #drop(key: string, index: Map<string, number>): Promise<void> {
    index.delete(key);
    await this.#records.remove(key);
    const at = key.indexOf("\u0000");
    this.onEvict?.(at < 0 ? key : key.slice(at + 1));
  }

  /** The index, rebuilt from the records once: oldest update first. */
  #ready(): Promise<Map<string, number>> {
    if (this.#index) return Promise.resolve(this.#index);
    this.#loading ??= (async () => {
      const entries: [string, number][] = [];
      for (const key of await this.#records.keys()) {
        const read = await this.#read(key).catch(() => undefined); // a damaged record is skipped, not fatal to the server
        if (read) entries.push([key, read.touched]);
      }
      entries.sort((a, b) => a[1] - b[1]);
      this.#index = new Map(entries);
      return this.#index;
    })();
    return this.#loading;
  }
}

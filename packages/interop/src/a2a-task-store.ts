import { type ListTasksRequest, type ListTasksResponse, type Task, TaskState } from "@a2a-js/sdk";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";
import { InteropConfigError } from "./errors.js";
import { listTasks, taskKey, tenantOf } from "./a2a-task-list.js";

/** Limits of a task store: how long a task is kept after its last change, and how many are kept at most. */
export interface TaskStoreLimits {
  /** A task not updated for this long is forgotten. Default 1 hour. */
  ttlMs?: number;
  /** Past this many tasks the least recently updated finished one is forgotten first. Default 10,000. */
  maxTasks?: number;
}

/** A task store that can tell the server when it forgets a task, so the server can let go of it too. */
export interface EvictingTaskStore extends TaskStore {
  /** Called with the id of every task dropped by TTL or by the cap (not by an explicit delete). */
  onEvict?: (taskId: string) => void;
}

export const DEFAULT_TTL_MS = 60 * 60_000;
export const DEFAULT_MAX_TASKS = 10_000;

/** Checks limits, so a typo fails at start-up rather than keeping everything or nothing. */
export function checkLimits(limits: TaskStoreLimits): { ttlMs: number; maxTasks: number } {
  const { ttlMs = DEFAULT_TTL_MS, maxTasks = DEFAULT_MAX_TASKS } = limits;
  if (!(ttlMs > 0)) throw new InteropConfigError(`A task store's ttlMs must be a positive number of ms, got ${String(limits.ttlMs)}.`);
  if (!(Number.isInteger(maxTasks) && maxTasks > 0)) {
    throw new InteropConfigError(`A task store's maxTasks must be a positive integer, got ${String(limits.maxTasks)}.`);
  }
  return { ttlMs, maxTasks };
}

/** Running tasks are the last to be evicted by the cap: dropping one would strand its client. */
const ACTIVE = new Set([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]);

interface Entry {
  task: Task;
  touched: number;
}

/**
 * The default task store of `serveA2A`: in memory and bounded. A task is kept for `ttlMs` after its
 * last update, and at most `maxTasks` are kept: past the cap, the least recently updated finished
 * (or parked) task goes first, a running one only when every task is running. Memory therefore
 * stays flat however many tasks a server sees; a client reading a task after it was dropped gets
 * the SDK's TaskNotFound (-32001).
 *
 * Tasks are copied in and out, as the SDK's request handler requires (it edits what it loads).
 */
export class MemoryTaskStore implements EvictingTaskStore {
  onEvict?: (taskId: string) => void;
  readonly #entries = new Map<string, Entry>(); // oldest update first
  readonly #ttlMs: number;
  readonly #maxTasks: number;
  readonly #now: () => number;

  constructor(limits: TaskStoreLimits & { now?: () => number } = {}) {
    ({ ttlMs: this.#ttlMs, maxTasks: this.#maxTasks } = checkLimits(limits));
    this.#now = limits.now ?? Date.now;
  }

  /** How many tasks are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const key = taskKey(taskId, context);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#now() - entry.touched > this.#ttlMs) {
      this.#drop(key);
      return undefined;
    }
    return structuredClone(entry.task);
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const key = taskKey(task.id, context);
    this.#entries.delete(key); // re-inserted last: the map stays in update order
    this.#entries.set(key, { task: structuredClone(task), touched: this.#now() });
    this.#expire();
    this.#cap();
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    this.#expire();
    const tenant = context.tenant ?? "";
    const tasks: Task[] = [];
    for (const [key, entry] of this.#entries) if (tenantOf(key) === tenant) tasks.push(entry.task);
    return listTasks(tasks, params);
  }

  /** Forgets a task now. */
  async delete(taskId: string, context?: ServerCallContext): Promise<void> {
    this.#entries.delete(taskKey(taskId, context));
  }

  /** Drops expired tasks: they are the oldest, so this stops at the first live one. */
  #expire(): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const [key, entry] of this.#entries) {
      if (entry.touched >= cutoff) break;
      this.#drop(key);
    }
  }

  #cap(): void {
    while (this.#entries.size > this.#maxTasks) {
      let victim: string | undefined;
      for (const [key, entry] of this.#entries) {
        if (!ACTIVE.has(entry.task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)) {
          victim = key;
          break;
        }
      }
      this.#drop(victim ?? (this.#entries.keys().next().value as string));
    }
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    if (entry) this.onEvict?.(entry.task.id);
  }
}

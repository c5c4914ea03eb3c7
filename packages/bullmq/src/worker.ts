import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from "bullmq";
import {
  type BaseNode,
  type CheckpointSaver,
  type DurableRunOptions,
  type Hooks,
  Interrupt,
  type JSONValue,
  type Lease,
  type NodeContext,
  type ResumeOptions,
  type RunInfo,
  type RunResult,
} from "flowlet";
import type { Redis } from "ioredis";
import { type Connection, type Keys, jobId, keys as keysOf, redisClient } from "./connection.js";
import { attemptsOf, itemWork } from "./distributed.js";
import { ItemInterruptError, QueueConfigError, RunCanceledError, UnknownFlowError } from "./errors.js";
import { type QueueEvent, emitEvent } from "./events.js";
import { indexNodes } from "./graph.js";
import { itemContext } from "./item-context.js";
import { ItemDispatcher } from "./items.js";
import type { ItemJobData, RunJobData, RunJobResult, RunState } from "./jobs.js";
import { LeasedSaver } from "./leased-saver.js";
import { type RunScope, activeRun } from "./scope.js";
import { continueTrace, traceCarrier, tracedItem } from "./trace.js";

/** A `Flow` of any store type, as a worker sees it. */
export interface RunnableFlow {
  run(shared: never, options: DurableRunOptions): Promise<RunResult<unknown>>;
  resume(runId: string, options: ResumeOptions<never>): Promise<RunResult<unknown>>;
  readonly startNode: BaseNode<never> | undefined;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** The flows this worker can run, by the names that `queue.enqueue` uses. Every worker of a queue should know the same flows. */
  flows: Record<string, RunnableFlow>;
  /** Redis, for BullMQ and for run events. */
  connection: Connection;
  /** The checkpoint saver every worker shares (e.g. a `PostgresSaver`). */
  saver: CheckpointSaver;
  /** Runs executed at once by this worker. Default 4. */
  concurrency?: number;
  /** Items of distributed batches executed at once by this worker. Default 16. */
  itemConcurrency?: number;
  /** The queue's name. Default "flowlet". */
  queue?: string;
  /** Lease time to live: how long another worker on another host waits before taking over a run whose owner went silent. Default 30 s. */
  leaseTtlMs?: number;
  /** BullMQ's job lock duration: a job whose worker stops renewing its lock for this long is stalled. Default 30 s. */
  lockDuration?: number;
  /** How often BullMQ looks for stalled jobs. Default 30 s. */
  stalledInterval?: number;
  /** Times a job may stall (its worker died) before BullMQ fails it. Default 5. */
  maxStalledCount?: number;
  /** Observers of every run, as for `flow.run`. */
  hooks?: Hooks;
}

/** A running worker. */
export interface FlowWorker {
  /** host:pid, as it appears in run events. */
  readonly id: string;
  /** Resolves once the worker listens for jobs. */
  ready(): Promise<void>;
  /** Stops taking jobs, waits for the running ones (or abandons them with `force`, for another worker to resume), and disconnects. */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * Starts a worker: takes runs (and items of distributed batches) from the queue and executes them
 * with the shared saver, holding each run's lease for as long as it executes it. A run whose worker
 * dies is found by BullMQ's stalled-job check and continued by another worker from its last
 * checkpoint.
 *
 * ```ts
 * const worker = startWorker({ flows: { summarise }, connection: "redis://127.0.0.1:6379", saver });
 * ```
 */
export function startWorker(options: WorkerOptions): FlowWorker {
  return new FlowletWorker(options);
}

class FlowletWorker implements FlowWorker {
  readonly id = `${hostname()}:${process.pid}`;
  readonly #options: WorkerOptions;
  readonly #keys: Keys;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #runs: Worker<RunJobData, RunJobResult>;
  readonly #itemWorker: Worker<ItemJobData, unknown>;
  readonly #itemQueue: Queue<ItemJobData>;
  readonly #itemEvents: QueueEvents;
  readonly #dispatcher: ItemDispatcher;
  readonly #nodes = new Map<string, Map<string, BaseNode<never>>>();
  readonly #keyOf = new Map<string, Map<object, string>>();
  /** Abort controllers of what this worker executes, by run id, for cancellation. */
  readonly #live = new Map<string, Set<AbortController>>();
  readonly #clients: Redis[] = [];
  readonly #ttl: number;
  readonly #ready: Promise<void>;

  constructor(options: WorkerOptions) {
    if (!options.saver)
      throw new QueueConfigError("startWorker needs a saver that every worker shares, e.g. new PostgresSaver({ connectionString }).");
    if (!options.flows || Object.keys(options.flows).length === 0)
      throw new QueueConfigError("startWorker needs flows: { name: flow, … }.");
    this.#options = options;
    this.#ttl = options.leaseTtlMs ?? 30_000;
    this.#keys = keysOf(options.queue ?? "flowlet");
    for (const [name, flow] of Object.entries(options.flows)) {
      const nodes = indexNodes(flow);
      this.#nodes.set(name, nodes);
      this.#keyOf.set(name, new Map([...nodes].map(([key, node]) => [node, key])));
    }
    const client = () => {
      const c = redisClient(options.connection);
      // Errors of the connections (Redis restarting) are retried by ioredis and BullMQ; they must not crash the process.
      c.on("error", () => {});
      this.#clients.push(c);
      return c;
    };
    this.#redis = client();
    this.#subscriber = client();
    const bull = {
      connection: client(),
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 5,
    };
    this.#itemQueue = new Queue(this.#keys.items, { connection: this.#redis });
    this.#itemEvents = new QueueEvents(this.#keys.items, { connection: client() });
    this.#itemEvents.setMaxListeners(0);
    this.#dispatcher = new ItemDispatcher(this.#itemQueue, this.#itemEvents, this.#redis);
    this.#runs = new Worker(this.#keys.runs, (job) => this.#processRun(job), { ...bull, concurrency: options.concurrency ?? 4 });
    this.#itemWorker = new Worker(this.#keys.items, (job) => this.#processItem(job), {
      ...bull,
      concurrency: options.itemConcurrency ?? 16,
    });
    const ignore = () => {};
    this.#runs.on("error", ignore);
    this.#itemWorker.on("error", ignore);
    this.#itemEvents.on("error", ignore);
    this.#itemQueue.on("error", ignore);
    this.#subscriber.on("message", (_channel, runId: string) => this.#abort(runId, new RunCanceledError(runId)));
    this.#ready = Promise.all([
      this.#subscriber.subscribe(this.#keys.cancelChannel),
      this.#runs.waitUntilReady(),
      this.#itemWorker.waitUntilReady(),
      this.#itemEvents.waitUntilReady(),
    ]).then(() => {});
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  async close({ force = false } = {}): Promise<void> {
    await Promise.all([this.#runs.close(force), this.#itemWorker.close(force)]);
    this.#dispatcher.close();
    await Promise.all([this.#itemEvents.close(), this.#itemQueue.close()]);
    await Promise.all(this.#clients.map((c) => c.quit().catch(() => c.disconnect())));
  }

  async #processRun(job: Job<RunJobData, RunJobResult>): Promise<RunJobResult> {
    const { runId, flow: name } = job.data;
    const flow = this.#options.flows[name];
    if (!flow) {
      throw new UnrecoverableError(
        new UnknownFlowError(`No flow "${name}" in this worker: pass it in startWorker({ flows: { ${name}: flow } }).`).message,
      );
    }
    const saver = this.#options.saver;
    const emit = (event: Omit<QueueEvent, "id" | "at" | "runId" | "jobId" | "worker">) =>
      emitEvent(this.#redis, this.#keys.events(runId), { ...event, runId, jobId: job.id ?? "", worker: this.id }).catch(() => {});
    // A worker on another host may still hold the lease until its TTL runs out; on this host a dead owner is taken over at once.
    const lease = await saver.acquire(runId, { ttlMs: this.#ttl, wait: this.#ttl + 5_000 });
    const leased = new LeasedSaver(saver, lease, (records) => {
      for (const r of records) void emit({ type: "checkpoint", seq: r.seq, path: r.node, data: r.status });
    });
    const controller = this.#track(runId);
    const heartbeat = setInterval(() => {
      leased.renew(leased.lease).catch((error: Error) => {
        // Only a takeover ends the run here; a database that is briefly away is retried next beat.
        if (error.name === "LeaseLostError") controller.abort(error);
      });
    }, this.#ttl / 3);
    try {
      if (await this.#redis.exists(this.#keys.canceled(runId))) return await this.#canceled(runId, name, leased.lease, emit);
      await emit({ type: "started" });
      const last = (await saver.list(runId)).at(-1);
      const hooks = this.#hooks(emit);
      const run = (): Promise<RunResult<unknown>> => {
        const common = { checkpoint: leased, signal: controller.signal, hooks };
        if (!last) return flow.run((job.data.shared ?? {}) as never, { ...common, runId });
        const answer = job.data.answer;
        // Only the interrupt it answers: a redelivered resume must not answer a later interrupt.
        if (answer && last.status === "interrupted" && last.seq === answer.seq)
          return flow.resume(runId, { ...common, resumeWith: answer.value });
        return flow.resume(runId, common);
      };
      // In the enqueuer's trace: a traced flow's run span (traceFlow of @flowlet/otel) continues it.
      const result = await continueTrace(job.data.trace, () => activeRun.run(this.#scope(runId, name), run));
      const seq = (await saver.list(runId)).at(-1)?.seq ?? 0;
      if (result.status === "interrupted") {
        const payload = (result.payload ?? null) as JSONValue;
        await this.#state(runId, name, { status: "interrupted", seq });
        await emit({ type: "interrupted", seq, data: payload });
        return { status: "interrupted", payload, seq };
      }
      const shared = result.shared as JSONValue;
      await this.#state(runId, name, { status: "completed", seq });
      await emit({ type: "completed", seq, data: { action: result.action, shared } });
      return { status: "completed", action: result.action, shared };
    } catch (error) {
      if (controller.signal.reason instanceof RunCanceledError) {
        await leased.seal();
        return await this.#canceled(runId, name, leased.lease, emit);
      }
      const message = error instanceof Error ? error.message : String(error);
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if ((error as Error).name !== "LeaseLostError") {
        await this.#record(runId, name, leased.lease, "failed", error).catch(() => {});
        if (final) await this.#state(runId, name, { status: "failed", seq: (await saver.list(runId).catch(() => [])).at(-1)?.seq ?? 0 });
      }
      await emit({ type: final ? "failed" : "retrying", data: message });
      throw error;
    } finally {
      clearInterval(heartbeat);
      this.#untrack(runId, controller);
      await saver.release(leased.lease).catch(() => {});
    }
  }

  async #canceled(
    runId: string,
    flow: string,
    lease: Lease,
    emit: (e: Omit<QueueEvent, "id" | "at" | "runId" | "jobId" | "worker">) => Promise<void>,
  ) {
    await this.#record(runId, flow, lease, "canceled", new RunCanceledError(runId));
    await this.#state(runId, flow, { status: "canceled", seq: (await this.#options.saver.list(runId)).at(-1)?.seq ?? 0 });
    await emit({ type: "canceled" });
    return { status: "canceled" } as const;
  }

  /** Marks the run failed or canceled in the saver's registry, with its error. */
  async #record(runId: string, flow: string, lease: Lease, status: "failed" | "canceled", error: unknown): Promise<void> {
    const now = new Date().toISOString();
    const row: RunInfo = (await this.#options.saver.run(runId)) ?? {
      runId,
      status,
      flow,
      shape: "",
      createdAt: now,
      updatedAt: now,
      steps: 0,
    };
    const err = error instanceof Error ? error : new Error(String(error));
    await this.#options.saver.append(lease, [], { ...row, status, updatedAt: now, error: { name: err.name, message: err.message } });
  }

  /** What `queue.resume` and `queue.cancel` read: the run's status, and a mark that names this pause. */
  async #state(runId: string, flow: string, state: RunState): Promise<void> {
    const mark = state.status === "interrupted" ? String(state.seq) : `${state.seq}-${Date.now()}`;
    await this.#redis.hset(this.#keys.state(runId), { ...state, flow, mark });
  }

  /** Run events for the enqueuer, then the user's own hooks (one `hooks` object per run). */
  #hooks(emit: (e: Omit<QueueEvent, "id" | "at" | "runId" | "jobId" | "worker">) => Promise<void>): Hooks {
    const user = this.#options.hooks;
    return {
      nodeStart: (e) => {
        void emit({ type: "nodeStart", path: e.path });
        return user?.nodeStart?.(e);
      },
      nodeEnd: (e) => {
        void emit({ type: "nodeEnd", path: e.path, data: e.action });
        return user?.nodeEnd?.(e);
      },
      nodeError: (e) => user?.nodeError?.(e),
      flowEnd: (e) => user?.flowEnd?.(e),
      hookError: (error, hook) => (user?.hookError ? user.hookError(error, hook) : console.error(`flowlet: hook ${hook} threw`, error)),
    };
  }

  #scope(runId: string, flow: string): RunScope {
    const idOf = (node: object, item: unknown, ctx: NodeContext, attempt: number) => {
      const key = this.#keyOf.get(flow)?.get(node);
      if (key === undefined) throw new QueueConfigError(`A distributed node of flow "${flow}" is not part of its graph.`);
      const content = createHash("sha256")
        .update(JSON.stringify([item, ctx.params]))
        .digest("hex")
        .slice(0, 32);
      return { key, id: jobId("item", runId, key, content, attempt) };
    };
    return {
      dispatch: (node, item, ctx) => {
        const { key, id } = idOf(node, item, ctx, ctx.attempt);
        const data: ItemJobData = {
          flow,
          runId,
          node: key,
          item: item as JSONValue,
          params: ctx.params as JSONValue,
          attempt: ctx.attempt,
        };
        const trace = traceCarrier();
        if (trace) data.trace = trace;
        return this.#dispatcher.run(id, data, ctx.signal);
      },
      settled: async (node, items, ctx) => {
        const list = items ? Array.from(items as Iterable<unknown>) : [];
        const ids = list.flatMap((item) => Array.from({ length: attemptsOf(node) }, (_, a) => idOf(node, item, ctx, a).id));
        await this.#dispatcher.remove(ids);
      },
    };
  }

  async #processItem(job: Job<ItemJobData, unknown>): Promise<unknown> {
    const { flow, node: key, item, params, attempt, runId } = job.data;
    if (await this.#redis.exists(this.#keys.canceled(runId))) throw new UnrecoverableError(new RunCanceledError(runId).message);
    const target = this.#nodes.get(flow)?.get(key);
    const work = itemWork(target);
    if (!work) {
      throw new UnrecoverableError(
        `No distributed batch node at "${key}" of flow "${flow}" in this worker: do all workers run the same code?`,
      );
    }
    const controller = this.#track(runId);
    try {
      const ctx = itemContext(attempt, controller.signal, (params ?? {}) as Record<string, unknown>);
      const span = { flow, runId, node: target?.name ?? key, attempt, worker: this.id };
      return (await tracedItem(span, job.data.trace, async () => activeRun.exit(() => work(item, ctx)))) ?? null;
    } catch (error) {
      if (error instanceof ItemInterruptError || error instanceof Interrupt) throw new UnrecoverableError((error as Error).message);
      throw error;
    } finally {
      this.#untrack(runId, controller);
    }
  }

  #track(runId: string): AbortController {
    const controller = new AbortController();
    const set = this.#live.get(runId) ?? new Set();
    set.add(controller);
    this.#live.set(runId, set);
    return controller;
  }

  #untrack(runId: string, controller: AbortController): void {
    const set = this.#live.get(runId);
    set?.delete(controller);
    if (set?.size === 0) this.#live.delete(runId);
  }

  #abort(runId: string, reason: Error): void {
    for (const controller of this.#live.get(runId) ?? []) controller.abort(reason);
  }
}

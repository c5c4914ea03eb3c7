/** What a node's methods get besides their data: {@link NodeContext}, and the visit behind it. */
import { ConfigError, Interrupt } from "./errors.js";
import { type CustomEvent, publish } from "./events.js";
import { type Scope, join } from "./run.js";
import type { Params } from "./util.js";

/** @internal One visit of a node (or one item of a batch node): what its context and the engine know of it. */
export interface Visit {
  readonly scope: Scope;
  /** The node's name. */
  readonly name: string;
  /** The node's step number within its flow. */
  readonly step: number;
  /** The node's (or item's) place in the graph, for checkpoints (see keys.ts); "" in runs without them. */
  readonly key: string;
  readonly params: Params;
  /** The item's index, for an item of a batch node. */
  readonly item?: number | undefined;
}

const DONE: Promise<void> = Promise.resolve();

/** Options of {@link NodeContext.emit}. */
export interface EmitOptions {
  /** Also append the event to a checkpointed run's event log, as an event of this type (not one of the engine's own). */
  log?: string;
}

/** The event types the engine writes itself: a node may not log under them. */
const ENGINE_TYPES = new Set(["nodeStart", "nodeEnd", "nodeError", "checkpoint", "interrupt", "error", "itemStart", "itemEnd"]);

function logType(type: string): string {
  if (typeof type !== "string" || !/^[A-Za-z][\w.:-]*$/.test(type) || ENGINE_TYPES.has(type)) {
    throw new ConfigError(
      `ctx.emit(data, { log }) takes an event type such as "llm" (a letter, then letters, digits, ".", ":", "_" or "-"), not one of the engine's own (${[...ENGINE_TYPES].join(", ")}); got ${JSON.stringify(type)}.`,
    );
  }
  return type;
}

/** What a node's methods get besides their data. A fresh object per exec attempt. */
export class NodeContext {
  /** 0-based exec attempt. It belongs to this one call: parallel items never share it. */
  readonly attempt: number;
  /** Aborted when the run is cancelled, when a sibling item of a parallel batch fails, or when the attempt times out. */
  readonly signal: AbortSignal;
  /** This node's params: its own, overlaid by those its flow passes down. */
  readonly params: Params;
  readonly #visit: Visit;
  /** `ctx.interrupt` calls so far in this visit (all attempts), matched in order to the saved answers. */
  #asked: { calls: number } | undefined;

  /** @internal */
  constructor(visit: Visit, attempt = 0, signal: AbortSignal = visit.scope.signal) {
    this.#visit = visit;
    this.attempt = attempt;
    this.signal = signal;
    this.params = visit.params;
  }

  /**
   * Asks a human. In a checkpointed run the first call pauses the run, which resolves
   * `{ status: "interrupted", payload }`; `flow.resume(runId, { resumeWith })` runs this node again
   * from its top, and this call then returns `resumeWith`. Several calls in one node are answered in order.
   * Without a checkpoint saver the run rejects with {@link Interrupt}.
   */
  interrupt<T = unknown>(payload: unknown): T {
    const { scope, key, name } = this.#visit;
    const { journal } = scope.run;
    if (!journal.durable) throw new Interrupt(payload, "", "");
    this.#asked ??= { calls: 0 };
    const answer = journal.answer(key, this.#asked.calls++);
    if (answer) return answer.value as T;
    const path = join(scope.path, name);
    if (scope.observed) publish(scope, "interrupt", { path, payload });
    throw new Interrupt(payload, key, path);
  }

  /**
   * Sends `data` to the run's observers now, while the node runs: a `custom` event to
   * `flow.stream` consumers (and the `custom` hook), with this node's path, step and batch item.
   * Await it: it resolves once the consumer has room, which is how a fast producer (LLM tokens)
   * waits for a slow consumer. With nobody listening it does nothing.
   *
   * With `{ log: type }` (e.g. `"llm"`, as `@flowlet/llm`'s `record` option does), a checkpointed
   * run also appends it to its event log as an event of that type, where Flowlet Studio reads it;
   * `data` must then be JSON. Token streams are not logged: only events given a `log` type are.
   */
  emit(data: unknown, options?: EmitOptions): Promise<void> {
    const log = options?.log === undefined ? undefined : logType(options.log);
    const { scope, name, step, item } = this.#visit;
    if (!scope.observed) return DONE;
    const event: CustomEvent = { node: name, path: join(scope.path, name), step, item: item ?? scope.item, data };
    if (log !== undefined) event.log = log;
    publish(scope, "custom", event);
    return scope.run.room() ?? DONE;
  }

  /** @internal The same call with another signal (an attempt under a timeout). */
  withSignal(signal: AbortSignal): NodeContext {
    const next = new NodeContext(this.#visit, this.attempt, signal);
    this.#asked ??= { calls: 0 };
    next.#asked = this.#asked;
    return next;
  }

  /** @internal The same call, one attempt later. */
  retry(attempt: number): NodeContext {
    const next = new NodeContext(this.#visit, attempt, this.signal);
    this.#asked ??= { calls: 0 };
    next.#asked = this.#asked;
    return next;
  }
}

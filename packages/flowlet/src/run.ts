/**
 * The state of one run, and of each flow inside it: what every step needs besides its node. One
 * {@link Run} per `run` call, one {@link Scope} per flow orchestration, never one per step.
 */
import type { FlowletWarning, Hooks, Listener, Observers } from "./events.js";
import { type Journal, NO_JOURNAL } from "./journal.js";
import { ConfigError } from "./errors.js";
import { NEVER_ABORTED, checkCount, yieldToEventLoop } from "./util.js";

/** Options of `node.run` and `flow.run`. */
export interface RunOptions {
  /** Cancels the run: it rejects with the signal's reason, and in-flight work sees `ctx.signal` abort. */
  signal?: AbortSignal;
  hooks?: Hooks;
  /** Overrides every flow's own `maxSteps` in this run. */
  maxSteps?: number;
  /** Params for the top node or flow. */
  params?: Record<string, unknown>;
  /** Receives the run's warnings (see {@link FlowletWarning}) instead of `console.warn`. */
  onWarning?: (warning: FlowletWarning) => void;
  /**
   * Breakpoints: pause before these nodes run, given by name (`"Publish"`) or path
   * (`"Pipeline/Publish"`). A checkpointed run resolves `{ status: "interrupted" }` there, exactly as
   * `ctx.interrupt` would, and `flow.resume(runId)` runs the node; without checkpoints the run
   * rejects with `Interrupt`.
   */
  interruptBefore?: readonly string[];
  /** Breakpoints after these nodes finish (their result is saved first); see `interruptBefore`. */
  interruptAfter?: readonly string[];
}

/** @internal What the engine itself gives a run, besides the caller's options. */
export interface RunParts {
  journal?: Journal | undefined;
  listener?: Listener | undefined;
  /** Resolves when the run's consumer has room for more events (undefined: room now). */
  room?: (() => Promise<void> | undefined) | undefined;
  /** Publish a `store` event after each node, with the keys it changed. */
  storeUpdates?: boolean | undefined;
}

/** Steps of one flow past which a run without `maxSteps` warns that it may be a loop that never ends. */
export const MANY_STEPS = 10_000;

// A run of synchronous nodes never gives the event loop a turn by itself, so an abort timer could
// never fire. The engine yields once per YIELD_MS of running; it reads the clock only every
// `stride` steps, a stride that adapts so a fast loop reads it about once per CHECK_MS.
const YIELD_MS = 2;
const CHECK_MS = 0.5;
const MAX_STRIDE = 4096;

/** @internal One run: its signal, journal, observers, limits, and the clock that makes it yield. */
export class Run {
  readonly signal: AbortSignal;
  readonly journal: Journal;
  /** The run's maxSteps, which overrides every flow's own. */
  readonly maxSteps: number | undefined;
  readonly listener: Listener | undefined;
  readonly storeUpdates: boolean;
  /** Breakpoints by node name or path; undefined when there are none. */
  readonly breakBefore: ReadonlySet<string> | undefined;
  readonly breakAfter: ReadonlySet<string> | undefined;
  readonly #onWarning: ((warning: FlowletWarning) => void) | undefined;
  readonly #room: (() => Promise<void> | undefined) | undefined;
  #manyStepsWarned = false;
  #budget = 1;
  #stride = 1;
  #lastCheck: number;
  #lastYield: number;

  constructor(options: RunOptions, parts: RunParts = {}) {
    this.signal = options.signal ?? NEVER_ABORTED;
    this.journal = parts.journal ?? NO_JOURNAL;
    this.maxSteps = options.maxSteps === undefined ? undefined : checkCount(options.maxSteps, "maxSteps of the run", 1);
    this.listener = parts.listener;
    this.storeUpdates = parts.storeUpdates === true;
    this.breakBefore = breakpoints(options.interruptBefore, "interruptBefore");
    this.breakAfter = breakpoints(options.interruptAfter, "interruptAfter");
    this.#room = parts.room;
    this.#onWarning = options.onWarning;
    this.#lastCheck = this.#lastYield = performance.now();
  }

  /**
   * Called before every step. Resolves undefined nearly always; about every {@link YIELD_MS} of
   * running it returns a promise that lets the event loop take a turn (timers, I/O, aborts).
   */
  tick(): Promise<void> | undefined {
    if (this.#room !== undefined) {
      const full = this.#room();
      if (full) return full;
    }
    if (--this.#budget > 0) return undefined;
    const now = performance.now();
    this.#stride = now - this.#lastCheck < CHECK_MS ? Math.min(this.#stride * 2, MAX_STRIDE) : Math.max(1, this.#stride >> 1);
    this.#budget = this.#stride;
    this.#lastCheck = now;
    if (now - this.#lastYield < YIELD_MS) return undefined;
    return yieldToEventLoop().then(() => {
      this.#lastYield = performance.now();
    });
  }

  /** Resolves when the consumer of this run's events has room again; undefined if it has now. */
  room(): Promise<void> | undefined {
    return this.#room?.();
  }

  warn(warning: FlowletWarning): void {
    if (warning.code === "manySteps") {
      if (this.#manyStepsWarned) return;
      this.#manyStepsWarned = true;
    }
    if (this.#onWarning) this.#onWarning(warning);
    else console.warn(warning.message);
  }
}

function breakpoints(names: readonly string[] | undefined, option: string): ReadonlySet<string> | undefined {
  if (names === undefined || names.length === 0) return undefined;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) {
    throw new ConfigError(`${option} takes node names or paths, e.g. ["Publish"] or ["Pipeline/Publish"].`);
  }
  return new Set(names);
}

/** @internal One orchestration of a flow (or the root of a run): what its steps share. */
export interface Scope extends Observers {
  readonly run: Run;
  /** The run's signal, or a parallel batch's, which also aborts when a sibling fails. */
  readonly signal: AbortSignal;
  /** Path of the enclosing flow ("" outside any flow). */
  readonly path: string;
  /** The flow orchestrated in this scope (none at the root). */
  readonly owner: object | undefined;
  /** Steps so far. A flow that re-enters itself (a loop back into its enclosing flow) shares its outer pass's count. */
  readonly counter: { steps: number };
  readonly parent: Scope | undefined;
  /** The index of the batch-flow run (or parallel branch) this scope belongs to, if any. */
  readonly item: number | undefined;
}

/** @internal The scope a run starts in. */
export function rootScope(run: Run, hooks: Hooks | undefined): Scope {
  const list = hooks ? [hooks] : [];
  return {
    run,
    signal: run.signal,
    path: "",
    hooks: list,
    listener: run.listener,
    observed: list.length > 0 || run.listener !== undefined,
    owner: undefined,
    counter: { steps: 0 },
    parent: undefined,
    item: undefined,
  };
}

/** @internal The scope of one orchestration of `flow` inside `outer`. */
export function enterFlow(
  flow: { name: string; hooks?: Hooks | undefined },
  outer: Scope,
  signal = outer.signal,
  item = outer.item,
): Scope {
  let counter: { steps: number } | undefined;
  for (let s: Scope | undefined = outer; s && !counter; s = s.parent) if (s.owner === flow) counter = s.counter;
  const hooks = flow.hooks ? [...outer.hooks, flow.hooks] : outer.hooks;
  return {
    run: outer.run,
    signal,
    path: join(outer.path, flow.name),
    hooks,
    listener: outer.listener,
    observed: hooks.length > 0 || outer.listener !== undefined,
    owner: flow,
    counter: counter ?? { steps: 0 },
    parent: outer,
    item,
  };
}

/** @internal A node's path from its flow's path and its name. */
export function join(path: string, name: string): string {
  return path ? `${path}/${name}` : name;
}

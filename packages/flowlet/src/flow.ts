/**
 * Flows: a graph of nodes, and {@link orchestrate}, the one loop that walks it. Checkpointed or not,
 * every run goes through this loop; durability is the journal's business (see journal.ts).
 */
import type { NodeContext, Visit } from "./context.js";
import { ConfigError, Interrupt, MaxStepsExceededError } from "./errors.js";
import { type CheckpointEvent, type Hooks, type Listener, publish } from "./events.js";
import type { Journal } from "./journal.js";
import { reachable } from "./graph.js";
import { breakpointKey, nodeKey } from "./keys.js";
import { ANY_ACTION, BaseNode, COMPOSITE, INNER, NO_PARAMS, NodeVisit, WORK, runRoot, tracksPrep } from "./node.js";
import { MANY_STEPS, Run, type RunOptions, type RunParts, type Scope, enterFlow, join, rootScope } from "./run.js";
import { type DurableRunOptions, type Opened, type ResumeOptions, type RunResult, SaverJournal, openRun, reopenRun } from "./durable.js";
import { EventStream, type FlowEvent, type StreamOptions } from "./stream.js";
import { type MaybePromise, type Params, checkCount, onAbort } from "./util.js";

export interface FlowOptions {
  /**
   * Loop guard: the flow rejects with `MaxStepsExceededError` past this many steps. Default:
   * unbounded, with a warning past 10,000 steps (see `onWarning`); `Infinity` allows any number quietly.
   */
  maxSteps?: number;
  name?: string;
  /** Observers of this flow and everything inside it. */
  hooks?: Hooks;
}

// Reads a flow's own maxSteps, undefined unless it was given one (set in Flow's static block).
let givenMaxSteps: <S>(flow: Flow<S, unknown, unknown>) => number | undefined;

/**
 * A graph of nodes, run from its start node along the edges named by each node's action.
 * A Flow is itself a node: nest it in another flow, and the parent branches on its last action.
 */
export class Flow<S = unknown, P = unknown, E = string> extends BaseNode<S, P, E> {
  startNode: BaseNode<S> | undefined;
  hooks: Hooks | undefined;
  /** Undefined until set: an unbounded flow that was never told so warns when it runs long. */
  #maxSteps: number | undefined;

  constructor(start?: BaseNode<S>, options: FlowOptions = {}) {
    super(options);
    this.startNode = start;
    if (options.maxSteps !== undefined) this.maxSteps = options.maxSteps;
    this.hooks = options.hooks;
  }

  /** Loop guard: see {@link FlowOptions.maxSteps}. */
  get maxSteps(): number {
    return this.#maxSteps ?? Number.POSITIVE_INFINITY;
  }

  set maxSteps(value: number) {
    this.#maxSteps = checkCount(value, `maxSteps of flow "${this.name}"`, 1);
  }

  /** Sets the start node, and returns it for chaining. */
  start<T extends BaseNode<S>>(node: T): T {
    this.startNode = node;
    return node;
  }

  /** By default a flow's action is the last action inside it, so a parent flow can branch on it. */
  override post(_shared: S, _prepRes: P, execRes: E, _ctx: NodeContext): MaybePromise<string | undefined | void> {
    return typeof execRes === "string" ? execRes : undefined;
  }

  /**
   * Runs the flow and resolves to its last action. With `{ checkpoint, runId }` it saves a
   * checkpoint after every completed node and batch item, and resolves to a {@link RunResult},
   * which says whether the run completed or paused for human input (`ctx.interrupt`).
   */
  override run(shared: S, options: DurableRunOptions): Promise<RunResult<S>>;
  override run(shared: S, options?: RunOptions): Promise<string>;
  override run(shared: S, options: RunOptions | DurableRunOptions = {}): Promise<string | RunResult<S>> {
    if ("checkpoint" in options) return runDurable(this, options, {}, (notify) => openRun(this, shared, options, notify));
    let run: Run;
    try {
      run = new Run(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return runRoot(this, shared, rootScope(run, options.hooks), options.params ?? NO_PARAMS);
  }

  /**
   * Continues a checkpointed run from its last saved step (or from step `from`, to fork it), in
   * this process or a fresh one that built the same flow. Completed nodes and batch items are not
   * run again; the node that was in flight when the run stopped runs again from its top.
   */
  resume(runId: string, options: ResumeOptions<S>): Promise<RunResult<S>> {
    return runDurable(this, options, {}, (notify) => reopenRun(this, runId, options, notify));
  }

  /**
   * Runs the flow as {@link Flow.run} does, and yields its events as they happen: `nodeStart`,
   * `nodeEnd`, `error` (a failed attempt), `custom` (what nodes pass to `ctx.emit`), `store` (with
   * `storeUpdates`), `interrupt`, `checkpoint`, and last `end`, with the result. The run starts on
   * the first `next()`. A slow consumer slows the run (see {@link StreamOptions.buffer}); breaking
   * out of the loop aborts the run, and a failure makes the iterator throw what `run` would reject with.
   *
   * ```ts
   * for await (const event of flow.stream(shared)) if (event.type === "custom") process.stdout.write(String(event.data));
   * ```
   */
  stream(shared: S, options: (RunOptions | DurableRunOptions) & StreamOptions = {}): AsyncIterableIterator<FlowEvent> {
    return new EventStream(async ({ listener, room, signal }) => {
      const { signal: both, unlink } = linked(options.signal, signal);
      const own = { ...options, signal: both };
      const parts: RunParts = { listener, room, storeUpdates: options.storeUpdates };
      try {
        if ("checkpoint" in own) {
          const result = await runDurable(this, own, parts, (notify) => openRun(this, shared, own, notify));
          const { runId } = result;
          return result.status === "completed"
            ? { status: "completed", action: result.action, runId }
            : { status: "interrupted", payload: result.payload, runId };
        }
        const action = await runRoot(this, shared, rootScope(new Run(own, parts), own.hooks), own.params ?? NO_PARAMS);
        return { status: "completed", action };
      } finally {
        unlink();
      }
    }, options.buffer);
  }

  /** @internal */
  override [WORK](shared: S, _prepRes: P, _ctx: NodeContext, visit: Visit): MaybePromise<E> {
    return orchestrate(this, shared, { params: visit.params, outer: visit.scope, key: visit.key }) as Promise<E>;
  }

  /** @internal */
  override get [COMPOSITE](): boolean {
    return true;
  }

  /** @internal */
  override [INNER](): BaseNode<S> | undefined {
    return this.startNode;
  }

  static {
    givenMaxSteps = (flow) => flow.#maxSteps;
  }
}

/** The run's listener, with the saver journal's event log listening too. */
function withJournal(listener: Listener | undefined, journal: Journal): Listener | undefined {
  if (!(journal instanceof SaverJournal)) return listener;
  const log = journal.listen;
  if (!listener) return log;
  return (name, payload) => {
    listener(name, payload);
    log(name, payload);
  };
}

/** A checkpointed run, fresh or resumed: it resolves when paused for input, as it does when completed. */
async function runDurable<S>(
  flow: Flow<S, unknown, unknown>,
  options: RunOptions,
  parts: RunParts,
  open: (notify: (event: CheckpointEvent) => void) => Promise<Opened<S>>,
): Promise<RunResult<S>> {
  let scope: Scope | undefined;
  const opened = await open((event) => {
    if (scope?.observed) publish(scope, "checkpoint", event);
  });
  const { shared, runId } = opened;
  if (opened.done) return { status: "completed", action: opened.action, shared, runId };
  const { journal } = opened;
  scope = rootScope(new Run(options, { ...parts, journal, listener: withJournal(parts.listener, journal) }), options.hooks);
  try {
    const action = await runRoot(flow, shared, scope, opened.params as Params);
    return { status: "completed", action, shared, runId };
  } catch (error) {
    if (!(error instanceof Interrupt)) throw error;
    await journal.settle({ status: "interrupted", key: error.key, path: error.path, payload: error.payload });
    return { status: "interrupted", payload: error.payload, shared, runId };
  }
}

/** A signal that aborts when either does, and the function that stops listening to them. */
function linked(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; unlink: () => void } {
  if (!a) return { signal: b, unlink: () => {} };
  const controller = new AbortController();
  if (a.aborted) controller.abort(a.reason);
  const stopA = onAbort(a, () => controller.abort(a.reason));
  const stopB = onAbort(b, () => controller.abort(b.reason));
  return {
    signal: controller.signal,
    unlink: () => {
      stopA();
      stopB();
    },
  };
}

/** @internal Where one pass through a flow runs. */
export interface Pass {
  /** Params for every node of the pass. */
  params: Params;
  /** The scope the flow is a node of. */
  outer: Scope;
  /** The pass's place in the graph (see keys.ts). */
  key: string;
  /** A batch's signal, which also aborts when a sibling run fails (default: the outer scope's). */
  signal?: AbortSignal;
  /** The batch-flow run's index, for events. */
  item?: number;
}

/**
 * @internal Walks `flow`'s graph once, from its start node (or where a checkpoint left off).
 * Resolves to the last action.
 */
export async function orchestrate<S>(flow: Flow<S, unknown, unknown>, shared: S, pass: Pass): Promise<string> {
  const { params, outer, key } = pass;
  const scope = enterFlow(flow, outer, pass.signal, pass.item ?? outer.item);
  let node = flow.startNode;
  if (!node) throw new ConfigError(`Flow "${scope.path}" has no start node: pass one to new Flow(start) or call flow.start(node).`);
  const { run, counter, signal } = scope;
  const { journal } = run;
  // A node's identity in checkpoints is its index in the graph's deterministic walk: only
  // checkpointed runs need it, so other runs never walk the graph.
  const nodes = journal.durable ? reachable(node) : undefined;
  const ids = nodes && new Map(nodes.map((n, i) => [n, i]));
  let action = "";
  const saved = journal.openFlow(key);
  if (saved && nodes) {
    node = saved.next === null ? undefined : nodes[saved.next];
    counter.steps = saved.steps;
    action = saved.action;
  }
  const maxSteps = run.maxSteps ?? flow.maxSteps;
  const told = run.maxSteps !== undefined || givenMaxSteps(flow) !== undefined;
  // One comparison per step serves both the limit and the warning of a flow never given one.
  let limit = told ? maxSteps : Math.min(maxSteps, MANY_STEPS);
  while (node) {
    if (signal.aborted) throw signal.reason;
    if (counter.steps >= limit) {
      if (counter.steps >= maxSteps) throw new MaxStepsExceededError(scope.path, maxSteps);
      run.warn({ code: "manySteps", path: scope.path, message: manySteps(scope.path) });
      limit = maxSteps;
    }
    const pause = run.tick();
    if (pause) await pause;
    const at = ids ? nodeKey(key, ids.get(node) as number) : key;
    if (run.breakBefore) breakpoint(run.breakBefore, node, scope, at, "before");
    if (ids && tracksPrep(node)) journal.prepStarts(at);
    // The loop drives the visit itself (see NodeVisit): a promise the node returns costs one await here.
    const visit = new NodeVisit(node, shared, scope, params, ++counter.steps, at);
    try {
      for (let pending = visit.advance(); pending; ) pending = visit.advance(await pending);
    } catch (error) {
      throw visit.fail(error);
    }
    action = visit.action;
    const done = node;
    node = successor(done, action, scope);
    if (ids) {
      const position = { next: node ? (ids.get(node) as number) : null, steps: counter.steps, action };
      await journal.recordStep(key, at, position, join(scope.path, done.name));
    }
    // After the step is saved: a resume goes on from the next node.
    if (run.breakAfter) breakpoint(run.breakAfter, done, scope, at, "after");
  }
  if (signal.aborted) throw signal.reason;
  if (scope.observed) publish(scope, "flowEnd", { flow: flow.name, path: scope.path, steps: counter.steps, action });
  return action;
}

/**
 * Pauses the run at a breakpoint on `node`, as `ctx.interrupt` would: unless, for "before", the
 * run was resumed from this very breakpoint (the journal then holds an answer for it).
 */
function breakpoint<S>(names: ReadonlySet<string>, node: BaseNode<S>, scope: Scope, at: string, when: "before" | "after"): void {
  const path = join(scope.path, node.name);
  if (!names.has(node.name) && !names.has(path)) return;
  const { journal } = scope.run;
  const key = breakpointKey(at, when);
  if (when === "before" && journal.answer(key, 0)) return;
  const payload = { breakpoint: when, node: path };
  if (scope.observed) publish(scope, "interrupt", { path, payload });
  throw journal.durable ? new Interrupt(payload, key, path) : new Interrupt(payload, "", "");
}

function manySteps(path: string): string {
  return (
    `flowlet: flow "${path}" has run ${MANY_STEPS.toLocaleString("en-US")} steps without a maxSteps: if it is a loop that never ends, its exit ` +
    "action is never taken. Set maxSteps on the flow or the run to stop it there (maxSteps: Infinity silences this warning)."
  );
}

function successor<S>(node: BaseNode<S>, action: string, scope: Scope): BaseNode<S> | undefined {
  const next = node.successors.get(action) ?? node.successors.get(ANY_ACTION);
  if (!next && node.successors.size > 0) {
    const known = [...node.successors.keys()].map((a) => `'${a}'`).join(", ");
    scope.run.warn({ code: "flowEnds", path: join(scope.path, node.name), message: `Flow ends: '${action}' not found in [${known}]` });
  }
  return next;
}

/**
 * Nodes: the prep → exec → post lifecycle, params, wiring, and {@link visitNode}, the one function
 * that runs a node as a step of its flow.
 */
import { NodeContext, type Visit } from "./context.js";
import { ConfigError, FlowletError, Interrupt, NodeError, type Phase } from "./errors.js";
import { publish } from "./events.js";
import { ROOT_KEY } from "./keys.js";
import { type RetryOptions, execWithRetry, retrySettings } from "./retry.js";
import { Run, type RunOptions, type Scope, join, rootScope } from "./run.js";
import { Store, watchChanges } from "./store.js";
import { type MaybePromise, type Params, isThenable } from "./util.js";

/** The action a node's `post` returns when it returns nothing. */
export const DEFAULT_ACTION = "default";
/** An edge labelled "*" is taken when no other edge matches the action. */
export const ANY_ACTION = "*";

/** @internal A node's params when it has none of its own. */
export const NO_PARAMS: Params = Object.freeze({});

/** @internal The work between prep and post: exec with retries, a batch, or a whole sub-flow. */
export const WORK: unique symbol = Symbol("flowlet.work");
/** @internal True for flows: what their work throws comes from nested nodes or the engine, already located. */
export const COMPOSITE: unique symbol = Symbol("flowlet.composite");
/** @internal The start node of a node's inner graph (flows only). */
export const INNER: unique symbol = Symbol("flowlet.inner");
/** @internal The branches a node runs side by side (parallel nodes only). */
export const BRANCHES: unique symbol = Symbol("flowlet.branches");

declare const storeType: unique symbol;

/**
 * What every node shares: the prep → (exec) → post lifecycle, params, and wiring.
 * Extend {@link Node}, {@link BatchNode} or {@link Flow} rather than this.
 *
 * Node instances are shared by every run of a flow, concurrent ones too, so per-run state belongs
 * in the shared store or `ctx`, never on `this`.
 */
export abstract class BaseNode<S = unknown, P = unknown, E = unknown> {
  /** Phantom: makes `S` contravariant, so wiring nodes with incompatible stores fails to compile. */
  declare readonly [storeType]?: (shared: S) => void;

  name: string;
  /** This node's own params; those its flow passes down overlay them. */
  params: Params = NO_PARAMS;
  readonly successors = new Map<string, BaseNode<S>>();

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? this.constructor.name;
  }

  /** Reads what the node needs from the shared store. */
  prep(_shared: S, _ctx: NodeContext): MaybePromise<P> {
    return undefined as P;
  }

  /** Writes results back and returns the action that picks the next node (`undefined` means "default"). */
  post(_shared: S, _prepRes: P, _execRes: E, _ctx: NodeContext): MaybePromise<string | undefined | void> {
    return undefined;
  }

  setParams(params: Record<string, unknown>): this {
    this.params = params;
    return this;
  }

  /** Wires `node` after this one for `action`, and returns `node` so chains read left to right. */
  next<T extends BaseNode<S>>(node: T, action: string = DEFAULT_ACTION): T {
    if (typeof action !== "string") throw new FlowletError(`An action must be a string, got ${typeof action}.`);
    if (!(node instanceof BaseNode)) throw notANode(this.name, action, node);
    if (this.successors.has(action)) console.warn(`flowlet: overwriting successor for action '${action}' of "${this.name}".`);
    this.successors.set(action, node);
    return node;
  }

  /** `a.on("retry", b)` is `a.next(b, "retry")`. */
  on<T extends BaseNode<S>>(action: string, node: T): T {
    return this.next(node, action);
  }

  /** Runs this node alone, and resolves to its action. Successors are not run: wrap the node in a Flow for that. */
  async run(shared: S, options: RunOptions = {}): Promise<string> {
    const run = new Run(options);
    if (this.successors.size > 0) {
      run.warn({
        code: "successorsSkipped",
        path: this.name,
        message: `flowlet: node "${this.name}" won't run its successors. Use a Flow.`,
      });
    }
    return runRoot(this, shared, rootScope(run, options.hooks), options.params ?? NO_PARAMS);
  }

  /** @internal */
  [WORK](_shared: S, _prepRes: P, _ctx: NodeContext, _visit: Visit): MaybePromise<E> {
    return undefined as E;
  }

  /** @internal */
  get [COMPOSITE](): boolean {
    return false;
  }

  /** @internal */
  [INNER](): BaseNode<S> | undefined {
    return undefined;
  }

  /** @internal */
  [BRANCHES](): readonly BaseNode<S>[] {
    return NO_BRANCHES;
  }
}

const NO_BRANCHES: readonly never[] = Object.freeze([]);

function notANode(from: string, action: string, value: unknown): ConfigError {
  if (typeof value === "function") {
    // PocoFlow wires hooks with node.on("node_start", fn); here hooks are an option of the run or flow.
    const hook = /^(node|flow)_(start|end|error)$/.test(action) ? action.replace(/_(\w)/, (_, c: string) => c.toUpperCase()) : "nodeStart";
    return new ConfigError(
      `"${from}".on("${action}", …) wires an edge to a node, and got a function. To observe a run, pass hooks instead: ` +
        `flow.run(shared, { hooks: { ${hook}: fn } }) or new Flow(start, { hooks: { ${hook}: fn } }).`,
    );
  }
  return new ConfigError(`"${from}".next(…) takes a node (a Node, BatchNode or Flow), got ${value === null ? "null" : typeof value}.`);
}

/** Retry settings, and the exec that they retry: what {@link Node} and {@link BatchNode} share. */
export abstract class RetryNode<S, P, E, In, Out> extends BaseNode<S, P, E> {
  /** Attempts of exec (per item, for a batch). */
  maxRetries: number;
  /** Milliseconds between attempts, or a function of the failed attempt for backoff. */
  wait: NonNullable<RetryOptions["wait"]>;
  /** Milliseconds one attempt may take (`Infinity`: no limit). */
  timeout: number;
  /** Which failures are retried (undefined: all). */
  retryOn: RetryOptions["retryOn"];

  constructor(options: RetryOptions = {}) {
    super(options);
    ({ maxRetries: this.maxRetries, wait: this.wait, timeout: this.timeout, retryOn: this.retryOn } = retrySettings(options, this.name));
  }

  /** The work itself, with no access to the shared store. Retried up to `maxRetries` times. */
  exec(_input: In, _ctx: NodeContext): MaybePromise<Out> {
    return undefined as Out;
  }

  /** Called after the last failed attempt; its value becomes the result. The default rethrows. */
  execFallback(_input: In, error: unknown, _ctx: NodeContext): MaybePromise<Out> {
    throw error;
  }
}

/**
 * A unit of work: `prep` reads the shared store, `exec` does the work (and is the only part
 * retried), `post` writes back and returns the next action.
 *
 * @typeParam S - the shared store
 * @typeParam P - what prep returns and exec receives
 * @typeParam E - what exec returns and post receives
 */
export class Node<S = unknown, P = unknown, E = unknown> extends RetryNode<S, P, E, P, E> {
  /** @internal */
  override [WORK](_shared: S, prepRes: P, ctx: NodeContext, visit: Visit): MaybePromise<E> {
    return execWithRetry(this, prepRes, ctx, visit);
  }
}

/**
 * @internal One visit of `node`, as step `step` of its flow (`key` places it in the graph, for
 * checkpoints). Resolves to the action taken; rejects with a {@link NodeError} naming the node.
 */
export async function visitNode<S>(
  node: BaseNode<S>,
  shared: S,
  scope: Scope,
  flowParams: Params,
  step: number,
  key: string,
): Promise<string> {
  const params = node.params === NO_PARAMS ? flowParams : { ...node.params, ...flowParams };
  const visit: Visit = { scope, name: node.name, step, key, params, item: undefined };
  const ctx = new NodeContext(visit);
  const { observed } = scope;
  const started = observed ? performance.now() : 0;
  let changes: (() => string[]) | undefined;
  if (observed) {
    publish(scope, "nodeStart", { node: node.name, path: join(scope.path, node.name), step, params });
    // A flow's changes are its nodes' changes, reported by them.
    if (scope.run.storeUpdates && !node[COMPOSITE]) changes = watchChanges(shared);
  }
  let phase: Phase = "prep";
  try {
    let prepRes = node.prep(shared, ctx);
    if (isThenable(prepRes)) prepRes = await prepRes;
    phase = "exec";
    let execRes = node[WORK](shared, prepRes, ctx, visit);
    if (isThenable(execRes)) execRes = await execRes;
    phase = "post";
    let action = node.post(shared, prepRes, execRes, ctx);
    if (isThenable(action)) action = await action;
    const taken = action || DEFAULT_ACTION;
    if (observed) {
      const durationMs = performance.now() - started;
      const path = join(scope.path, node.name);
      if (changes) {
        const keys = changes();
        const data = shared instanceof Store ? (shared.toJSON() as Record<string, unknown>) : (shared as Record<string, unknown>);
        if (keys.length > 0)
          publish(scope, "store", { node: node.name, path, step, keys, values: Object.fromEntries(keys.map((k) => [k, data[k]])) });
      }
      publish(scope, "nodeEnd", { node: node.name, path, step, params, action: taken, durationMs });
    }
    return taken;
  } catch (error) {
    changes?.();
    throw located(node, error, visit, phase);
  }
}

/** Names the failing node, once: errors that already say where they happened pass through as they are. */
function located<S>(node: BaseNode<S>, error: unknown, visit: Visit, phase: Phase): unknown {
  const { scope } = visit;
  if (scope.signal.aborted) return scope.signal.reason;
  if (error instanceof NodeError || error instanceof Interrupt) return error;
  // A flow's exec is the engine's work around nested nodes: it throws their NodeErrors, or the
  // engine's own errors (maxSteps, checkpoints), which name their place. Anything else the node's own
  // code threw, Flowlet's errors included (a StoreSchemaError from a write in post), gets wrapped.
  if (phase === "exec" && node[COMPOSITE] && error instanceof FlowletError) return error;
  const path = join(scope.path, node.name);
  // exec failures were already reported, attempt by attempt, by the retry loop.
  if (phase !== "exec" && scope.observed) {
    publish(scope, "nodeError", { node: node.name, path, step: visit.step, params: visit.params, error, attempt: 0, willRetry: false });
  }
  return new NodeError(path, phase, visit.step, error);
}

/**
 * @internal Runs `node` as the top of a run and settles the run's journal. An Interrupt in a
 * durable run is left for the caller to settle, as it resolves rather than rejects.
 */
export async function runRoot<S>(node: BaseNode<S>, shared: S, scope: Scope, params: Params): Promise<string> {
  const { run } = scope;
  const { journal } = run;
  let action: string;
  try {
    action = await visitNode(node, shared, scope, params, 1, ROOT_KEY);
    // An abort during the last node is still an abort.
    if (run.signal.aborted) throw run.signal.reason;
  } catch (error) {
    if (!(error instanceof Interrupt && journal.durable)) {
      const outcome = run.signal.aborted
        ? ({ status: "canceled", reason: run.signal.reason } as const)
        : ({ status: "failed", error } as const);
      // The run's own error is what the caller needs; a journal that cannot record it must not hide it.
      await Promise.resolve(journal.settle(outcome)).catch(() => {});
    }
    throw error;
  }
  const settling = journal.settle({ status: "completed", action });
  if (settling) await settling;
  return action;
}

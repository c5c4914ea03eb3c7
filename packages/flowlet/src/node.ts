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
 * @internal Whether a resume can run `node`'s prep again over writes that a record already holds:
 * a batch's, a `Parallel`'s or a flow's prep that is not the default one. The journal is told
 * before such a prep runs (see `Journal.prepStarts`). A plain node's visit runs again whole, from
 * the store recorded before it, so its prep needs no tracking.
 */
export function tracksPrep<S>(node: BaseNode<S>): boolean {
  return node.prep !== BaseNode.prototype.prep && !(node instanceof Node);
}

/**
 * @internal One visit of `node`, as step `step` of its flow (`key` places it in the graph, for
 * checkpoints). Returns the action taken, or a promise of it once one of the node's methods returns
 * a promise: a node whose methods are synchronous costs no promise and no microtask. A failure is
 * always a rejected promise, with a {@link NodeError} naming the node.
 */
export function visitNode<S>(
  node: BaseNode<S>,
  shared: S,
  scope: Scope,
  flowParams: Params,
  step: number,
  key: string,
): MaybePromise<string> {
  return new NodeVisit(node, shared, scope, flowParams, step, key).run();
}

/**
 * @internal One visit of a node: prep → work → post. {@link NodeVisit.advance} runs the phases for
 * as long as the node's methods return values; when one returns a promise, it hands the promise
 * back, and whoever drives the visit awaits it and passes the value in again. The flow's loop
 * drives its visits itself, so a promise a node returns costs one await there and nothing more.
 * Whatever the phases throw, the driver passes to {@link NodeVisit.fail}, once.
 */
export class NodeVisit<S> implements Visit {
  readonly name: string;
  readonly params: Params;
  readonly item = undefined;
  /** The action taken, once the visit has ended. */
  action = "";
  readonly #node: BaseNode<S>;
  readonly #shared: S;
  readonly #ctx: NodeContext;
  /** The phase whose method ran last (undefined: none yet), and what prep returned. */
  #phase: Phase | undefined;
  #prepRes: unknown;
  /** Only for observed visits: when the visit started, and what tells the store keys it changed. */
  #started = 0;
  #changes: (() => string[]) | undefined;

  constructor(
    node: BaseNode<S>,
    shared: S,
    readonly scope: Scope,
    flowParams: Params,
    readonly step: number,
    readonly key: string,
  ) {
    this.#node = node;
    this.#shared = shared;
    this.name = node.name;
    this.params = node.params === NO_PARAMS ? flowParams : { ...node.params, ...flowParams };
    this.#ctx = new NodeContext(this);
  }

  /**
   * Goes on from where the visit stands, `value` being what the last method returned: returns the
   * next promise a method returns, or undefined once the visit has ended (see `action`).
   */
  advance(value?: unknown): PromiseLike<unknown> | undefined {
    const node = this.#node;
    const shared = this.#shared;
    const ctx = this.#ctx;
    if (this.#phase === undefined) {
      if (this.scope.observed) this.#begin();
      this.#phase = "prep";
      value = node.prep(shared, ctx);
      if (isThenable(value)) return value;
    }
    if (this.#phase === "prep") {
      this.#prepRes = value;
      this.#phase = "exec";
      value = node[WORK](shared, value, ctx, this);
      if (isThenable(value)) return value;
    }
    if (this.#phase === "exec") {
      this.#phase = "post";
      value = node.post(shared, this.#prepRes, value, ctx);
      if (isThenable(value)) return value;
    }
    this.action = this.#end(value as string | undefined | void);
    return undefined;
  }

  /** Runs the whole visit: synchronously while the node's methods are. */
  run(): MaybePromise<string> {
    try {
      const pending = this.advance();
      return pending ? this.#finish(pending) : this.action;
    } catch (error) {
      return Promise.reject(this.fail(error));
    }
  }

  async #finish(pending: PromiseLike<unknown>): Promise<string> {
    try {
      for (let next: PromiseLike<unknown> | undefined = pending; next; ) next = this.advance(await next);
    } catch (error) {
      throw this.fail(error);
    }
    return this.action;
  }

  #begin(): void {
    const { scope, step, params } = this;
    this.#started = performance.now();
    publish(scope, "nodeStart", { node: this.name, path: join(scope.path, this.name), step, params });
    // A flow's changes are its nodes' changes, reported by them.
    if (scope.run.storeUpdates && !this.#node[COMPOSITE]) this.#changes = watchChanges(this.#shared);
  }

  #end(action: string | undefined | void): string {
    const taken = action || DEFAULT_ACTION;
    const { scope, step, params, name } = this;
    if (!scope.observed) return taken;
    const durationMs = performance.now() - this.#started;
    const path = join(scope.path, name);
    if (this.#changes) {
      const keys = this.#changes();
      const shared = this.#shared;
      const data = shared instanceof Store ? (shared.toJSON() as Record<string, unknown>) : (shared as Record<string, unknown>);
      if (keys.length > 0)
        publish(scope, "store", { node: name, path, step, keys, values: Object.fromEntries(keys.map((k) => [k, data[k]])) });
    }
    publish(scope, "nodeEnd", { node: name, path, step, params, action: taken, durationMs });
    return taken;
  }

  /**
   * The error the visit fails with: `error` naming the failing node, once (errors that already say
   * where they happened pass through as they are).
   */
  fail(error: unknown): unknown {
    this.#changes?.();
    const { scope, step, params, name } = this;
    const phase = this.#phase ?? "prep";
    if (scope.signal.aborted) return scope.signal.reason;
    if (error instanceof NodeError || error instanceof Interrupt) return error;
    // A flow's exec is the engine's work around nested nodes: it throws their NodeErrors, or the
    // engine's own errors (maxSteps, checkpoints), which name their place. Anything else the node's own
    // code threw, Flowlet's errors included (a StoreSchemaError from a write in post), gets wrapped.
    if (phase === "exec" && this.#node[COMPOSITE] && error instanceof FlowletError) return error;
    const path = join(scope.path, name);
    // exec failures were already reported, attempt by attempt, by the retry loop.
    if (phase !== "exec" && scope.observed) {
      publish(scope, "nodeError", { node: name, path, step, params, error, attempt: 0, willRetry: false });
    }
    return new NodeError(path, phase, step, error);
  }
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
    if (journal.durable && tracksPrep(node)) journal.prepStarts(ROOT_KEY);
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

import { type MaybePromise, NodeContext, type Params, checkCount, isThenable, sleep } from "./context.js";
import { FlowletError, NodeError, type Phase } from "./errors.js";
import { emit } from "./hooks.js";
import { Interrupt } from "./interrupt.js";
import { type RunOptions, type Scope, join, rootScope } from "./scope.js";

/** The action a node's `post` returns when it returns nothing. */
export const DEFAULT_ACTION = "default";
/** An edge labelled "*" is taken when no other edge matches the action. */
export const ANY_ACTION = "*";

const NO_PARAMS: Params = Object.freeze({});

/**
 * What every node shares: the prep → (exec) → post lifecycle, params, and wiring.
 * Extend {@link Node}, {@link BatchNode} or {@link Flow} rather than this.
 *
 * Node instances are shared by every run of a flow, concurrent ones too, so per-run state belongs
 * in the shared store or `ctx`, never on `this`.
 */
export abstract class BaseNode<S = unknown, P = unknown, E = unknown> {
  /** Phantom: makes `S` contravariant, so wiring nodes with incompatible stores fails to compile. */
  declare readonly __shared?: (shared: S) => void;

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
    if (this.successors.size > 0) console.warn(`flowlet: node "${this.name}" won't run its successors. Use a Flow.`);
    return this._step(shared, rootScope(options), options.params ?? NO_PARAMS, 1);
  }

  /** @internal The work between prep and post: exec with retries, a batch, or a whole sub-flow. */
  abstract _exec(shared: S, prepRes: P, ctx: NodeContext, scope: Scope, step: number): MaybePromise<E>;

  /** @internal One visit of this node, as a step of its flow. `key` places it in the graph, for checkpoints. */
  async _step(shared: S, scope: Scope, flowParams: Params, step: number, key = ""): Promise<string> {
    const params = this.params === NO_PARAMS ? flowParams : { ...this.params, ...flowParams };
    const { durable } = scope;
    const state = durable && { durable, key, path: join(scope.path, this.name), calls: 0 };
    const ctx = new NodeContext(0, scope.signal, params, state);
    const observed = scope.hooks.length > 0;
    const started = observed ? performance.now() : 0;
    if (observed) emit(scope.hooks, "nodeStart", { node: this.name, path: join(scope.path, this.name), step, params });
    let phase: Phase = "prep";
    try {
      let prepRes = this.prep(shared, ctx);
      if (isThenable(prepRes)) prepRes = await prepRes;
      phase = "exec";
      let execRes = this._exec(shared, prepRes, ctx, scope, step);
      if (isThenable(execRes)) execRes = await execRes;
      phase = "post";
      let action = this.post(shared, prepRes, execRes, ctx);
      if (isThenable(action)) action = await action;
      const taken = action || DEFAULT_ACTION;
      if (observed) {
        const durationMs = performance.now() - started;
        emit(scope.hooks, "nodeEnd", { node: this.name, path: join(scope.path, this.name), step, params, action: taken, durationMs });
      }
      return taken;
    } catch (error) {
      throw this._wrap(error, scope, phase, step, params);
    }
  }

  /** @internal Names the failing node, once: errors from nested nodes and cancellations pass through as they are. */
  _wrap(error: unknown, scope: Scope, phase: Phase, step: number, params: Params): unknown {
    if (scope.signal.aborted) return scope.signal.reason;
    if (error instanceof FlowletError) return error;
    const path = join(scope.path, this.name);
    // exec failures were already reported, attempt by attempt, by the retry loop.
    if (phase !== "exec") emit(scope.hooks, "nodeError", { node: this.name, path, step, params, error, attempt: 0, willRetry: false });
    return new NodeError(path, phase, step, error);
  }
}

/** Retry settings shared by {@link Node} and {@link BatchNode}. */
export interface RetryOptions {
  /** Attempts of `exec`, at least 1. Default 1. */
  maxRetries?: number;
  /** Milliseconds between attempts, or a function of the failed attempt (0-based) for backoff. Default 0. */
  wait?: number | ((attempt: number, error: unknown) => number);
  name?: string;
}

/** @internal Validated retry settings, shared by {@link Node} and `BatchNode`. */
export function retrySettings(options: RetryOptions, name: string): { maxRetries: number; wait: RetryOptions["wait"] } {
  return { maxRetries: checkCount(options.maxRetries ?? 1, `maxRetries of node "${name}"`, 1), wait: options.wait ?? 0 };
}

/** What a retry loop needs from its node. */
interface Retryable<I, R> {
  name: string;
  maxRetries: number;
  wait: RetryOptions["wait"];
  exec(input: I, ctx: NodeContext): MaybePromise<R>;
  execFallback(input: I, error: unknown, ctx: NodeContext): MaybePromise<R>;
}

/**
 * @internal Runs `exec` with retries, then the fallback. The attempt counter is a local of this
 * call, so concurrent items of a batch can never race on it.
 */
export function execWithRetry<I, R>(
  node: Retryable<I, R>,
  input: I,
  ctx: NodeContext,
  scope: Scope,
  step: number,
  item?: number,
): MaybePromise<R> {
  // Fast path: a sync exec that succeeds costs no promise.
  try {
    const result = node.exec(input, ctx);
    if (!isThenable(result)) return result;
    return Promise.resolve(result).catch((error) => recover(node, input, ctx, scope, step, item, error));
  } catch (error) {
    return recover(node, input, ctx, scope, step, item, error);
  }
}

async function recover<I, R>(
  node: Retryable<I, R>,
  input: I,
  first: NodeContext,
  scope: Scope,
  step: number,
  item: number | undefined,
  firstError: unknown,
): Promise<R> {
  let ctx = first;
  let error = firstError;
  for (;;) {
    // A pause for human input is not a failure, and retrying after a cancellation is pointless.
    if (ctx.signal.aborted || error instanceof Interrupt) throw error;
    const willRetry = ctx.attempt + 1 < node.maxRetries;
    if (scope.hooks.length > 0) {
      const path = join(scope.path, node.name);
      emit(scope.hooks, "nodeError", { node: node.name, path, step, params: ctx.params, error, attempt: ctx.attempt, willRetry, item });
    }
    if (!willRetry) return node.execFallback(input, error, ctx);
    const wait = typeof node.wait === "function" ? node.wait(ctx.attempt, error) : (node.wait ?? 0);
    if (wait > 0) await sleep(wait, ctx.signal);
    ctx = ctx.retry(ctx.attempt + 1);
    try {
      return await node.exec(input, ctx);
    } catch (next) {
      error = next;
    }
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
export class Node<S = unknown, P = unknown, E = unknown> extends BaseNode<S, P, E> {
  maxRetries: number;
  wait: RetryOptions["wait"];

  constructor(options: RetryOptions = {}) {
    super(options);
    ({ maxRetries: this.maxRetries, wait: this.wait } = retrySettings(options, this.name));
  }

  /** The work itself, with no access to the shared store. Retried up to `maxRetries` times. */
  exec(_prepRes: P, _ctx: NodeContext): MaybePromise<E> {
    return undefined as E;
  }

  /** Called after the last failed attempt; its value becomes execRes. The default rethrows. */
  execFallback(_prepRes: P, error: unknown, _ctx: NodeContext): MaybePromise<E> {
    throw error;
  }

  /** @internal */
  _exec(_shared: S, prepRes: P, ctx: NodeContext, scope: Scope, step: number): MaybePromise<E> {
    return execWithRetry(this, prepRes, ctx, scope, step);
  }
}

import { type MaybePromise, type NodeContext, type Params, checkCount } from "./context.js";
import { ConfigError, MaxStepsExceededError } from "./errors.js";
import { type Hooks, emit } from "./hooks.js";
import { ANY_ACTION, BaseNode } from "./node.js";
import { type Scope, join } from "./scope.js";

export interface FlowOptions {
  /** Loop guard: the flow rejects with `MaxStepsExceededError` past this many steps. Default: unbounded. */
  maxSteps?: number;
  name?: string;
  /** Observers of this flow and everything inside it. */
  hooks?: Hooks;
}

/**
 * A graph of nodes, run from its start node along the edges named by each node's action.
 * A Flow is itself a node: nest it in another flow, and the parent branches on its last action.
 */
export class Flow<S = unknown, P = unknown, E = string> extends BaseNode<S, P, E> {
  startNode: BaseNode<S> | undefined;
  maxSteps: number;
  hooks: Hooks | undefined;

  constructor(start?: BaseNode<S>, options: FlowOptions = {}) {
    super(options);
    this.startNode = start;
    this.maxSteps = checkCount(options.maxSteps ?? Number.POSITIVE_INFINITY, `maxSteps of flow "${this.name}"`, 1);
    this.hooks = options.hooks;
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

  /** @internal */
  _exec(shared: S, _prepRes: P, ctx: NodeContext, scope: Scope): MaybePromise<E> {
    return this._orchestrate(shared, ctx.params, scope) as Promise<E>;
  }

  /** @internal Walks the graph once, from the start node, with `params` for every node. Resolves to the last action. */
  async _orchestrate(shared: S, params: Params, outer: Scope): Promise<string> {
    const scope: Scope = {
      signal: outer.signal,
      hooks: this.hooks ? [...outer.hooks, this.hooks] : outer.hooks,
      path: join(outer.path, this.name),
      maxSteps: outer.maxSteps,
    };
    const maxSteps = scope.maxSteps ?? this.maxSteps;
    let node = this.startNode;
    if (!node) throw new ConfigError(`Flow "${scope.path}" has no start node: pass one to new Flow(start) or call flow.start(node).`);
    let action = "";
    let steps = 0;
    while (node) {
      if (scope.signal.aborted) throw scope.signal.reason;
      if (steps === maxSteps) throw new MaxStepsExceededError(scope.path, maxSteps);
      action = await node._step(shared, scope, params, ++steps);
      node = successor(node, action);
    }
    if (scope.hooks.length > 0) emit(scope.hooks, "flowEnd", { flow: this.name, path: scope.path, steps, action });
    return action;
  }
}

function successor<S>(node: BaseNode<S>, action: string): BaseNode<S> | undefined {
  const next = node.successors.get(action) ?? node.successors.get(ANY_ACTION);
  if (!next && node.successors.size > 0) {
    const known = [...node.successors.keys()].map((a) => `'${a}'`).join(", ");
    console.warn(`Flow ends: '${action}' not found in [${known}]`);
  }
  return next;
}

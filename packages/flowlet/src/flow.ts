import { type MaybePromise, type NodeContext, type Params, checkCount } from "./context.js";
import { ConfigError, MaxStepsExceededError } from "./errors.js";
import { reachable } from "./graph.js";
import { type Hooks, emit } from "./hooks.js";
import { type DurableRunOptions, type ResumeOptions, type RunResult, resumeDurable, startDurable } from "./durable.js";
import { Interrupt } from "./interrupt.js";
import { ANY_ACTION, BaseNode } from "./node.js";
import { type RunOptions, type Scope, childKey, join, rootScope } from "./scope.js";
import { assertJSON } from "./snapshot.js";

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

  /**
   * Runs the flow and resolves to its last action. With `{ checkpoint, runId }` it saves a
   * checkpoint after every completed node and batch item, and resolves to a {@link RunResult},
   * which says whether the run completed or paused for human input (`ctx.interrupt`).
   */
  override run(shared: S, options: DurableRunOptions): Promise<RunResult<S>>;
  override run(shared: S, options?: RunOptions): Promise<string>;
  override run(shared: S, options: RunOptions | DurableRunOptions = {}): Promise<string | RunResult<S>> {
    if (!("checkpoint" in options)) return super.run(shared, options);
    return startDurable(this as BaseNode<never>, shared, options).then((durable) =>
      this.#runDurable(shared, rootScope(options, durable), durable.params as Params),
    );
  }

  /**
   * Continues a checkpointed run from its last saved step (or from step `from`, to fork it), in
   * this process or a fresh one that built the same flow. Completed nodes and batch items are not
   * run again; the node that was in flight when the run stopped runs again from its top.
   */
  async resume(runId: string, options: ResumeOptions<S>): Promise<RunResult<S>> {
    const { durable, checkpoint, shared } = await resumeDurable(this as BaseNode<never>, runId, options);
    if (checkpoint.status === "completed" && options.from === undefined) {
      const root = checkpoint.frames[""];
      return { status: "completed", action: root?.kind === "flow" ? root.action : "", shared, runId };
    }
    return this.#runDurable(shared, rootScope(options, durable), checkpoint.params as Params);
  }

  async #runDurable(shared: S, scope: Scope, params: Params): Promise<RunResult<S>> {
    const durable = scope.durable!;
    const runId = durable.runId;
    try {
      const action = await this._step(shared, scope, params, 1);
      await durable.commit(this.name, "completed");
      return { status: "completed", action, shared, runId };
    } catch (error) {
      if (!(error instanceof Interrupt)) throw error;
      await durable.commit(error.path, "interrupted", { key: error.key, payload: assertJSON(error.payload, "interrupt payload") });
      return { status: "interrupted", payload: error.payload, shared, runId };
    }
  }

  /** @internal */
  _exec(shared: S, _prepRes: P, ctx: NodeContext, scope: Scope): MaybePromise<E> {
    return this._orchestrate(shared, ctx.params, scope, ctx._step?.key ?? "") as Promise<E>;
  }

  /**
   * @internal Walks the graph once, from the start node (or where a checkpoint left off), with
   * `params` for every node. Resolves to the last action.
   */
  async _orchestrate(shared: S, params: Params, outer: Scope, key: string): Promise<string> {
    const scope: Scope = {
      signal: outer.signal,
      hooks: this.hooks ? [...outer.hooks, this.hooks] : outer.hooks,
      path: join(outer.path, this.name),
      maxSteps: outer.maxSteps,
      durable: outer.durable,
    };
    const maxSteps = scope.maxSteps ?? this.maxSteps;
    let node = this.startNode;
    if (!node) throw new ConfigError(`Flow "${scope.path}" has no start node: pass one to new Flow(start) or call flow.start(node).`);
    let action = "";
    let steps = 0;
    const { durable } = scope;
    // Node identity for checkpoints is the node's index in the graph's deterministic walk.
    const nodes = durable ? reachable(node) : [];
    const ids = new Map(nodes.map((n, i) => [n, i]));
    const saved = durable?.claim(key, "flow");
    if (saved) {
      node = saved.next === null ? undefined : nodes[saved.next];
      steps = saved.steps;
      action = saved.action;
    }
    while (node) {
      if (scope.signal.aborted) throw scope.signal.reason;
      if (steps === maxSteps) throw new MaxStepsExceededError(scope.path, maxSteps);
      if (!durable) {
        action = await node._step(shared, scope, params, ++steps);
        node = successor(node, action);
        continue;
      }
      const nodeKey = childKey(key, ids.get(node) as number);
      action = await node._step(shared, scope, params, ++steps, nodeKey);
      const done = node;
      node = successor(node, action);
      durable.frames.set(key, { kind: "flow", next: node ? (ids.get(node) as number) : null, steps, action });
      durable.finish(nodeKey);
      await durable.commit(join(scope.path, done.name));
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

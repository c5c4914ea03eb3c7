import { NEVER_ABORTED, checkCount } from "./context.js";
import type { Durable } from "./durable.js";
import type { Hooks } from "./hooks.js";

/** @internal What a node's step needs from the run around it. One per flow run, not per step. */
export interface Scope {
  readonly signal: AbortSignal;
  readonly hooks: readonly Hooks[];
  /** Path of the enclosing flow ("" outside any flow). */
  readonly path: string;
  /** The run's maxSteps, which overrides every flow's own. */
  readonly maxSteps: number | undefined;
  /** Set when the run saves checkpoints. */
  readonly durable?: Durable | undefined;
}

/** Options of `node.run` and `flow.run`. */
export interface RunOptions {
  /** Cancels the run: it rejects with the signal's reason, and in-flight work sees `ctx.signal` abort. */
  signal?: AbortSignal;
  hooks?: Hooks;
  /** Overrides every flow's own `maxSteps` in this run. */
  maxSteps?: number;
  /** Params for the top node or flow. */
  params?: Record<string, unknown>;
}

export function rootScope(opts: RunOptions, durable?: Durable): Scope {
  return {
    signal: opts.signal ?? NEVER_ABORTED,
    hooks: opts.hooks ? [opts.hooks] : [],
    path: "",
    maxSteps: opts.maxSteps === undefined ? undefined : checkCount(opts.maxSteps, "maxSteps of the run", 1),
    durable,
  };
}

/** The key of a node in its flow's frame, from the flow's key and the node's index in the graph. */
export function childKey(key: string, index: number | string): string {
  return key === "" ? String(index) : `${key}/${index}`;
}

export function join(path: string, name: string): string {
  return path ? `${path}/${name}` : name;
}

/**
 * What a run tells its observers, and the one place it does so: {@link publish}. Hooks (per run or
 * per flow) and the run's listener (a `flow.stream` consumer) receive the same payloads; a run that
 * nobody observes builds none of them.
 */
import type { Params } from "./util.js";

/** Every payload names its node by `path`: the names of the enclosing flows and the node, joined by "/". */
export interface NodeEvent {
  /** The node's own name. */
  node: string;
  /** e.g. "Pipeline/WriteChapters/Draft" */
  path: string;
  /** The node's step number within its flow, from 1. */
  step: number;
  params: Params;
}

/**
 * Observers of a run. Pass them to `flow.run(shared, { hooks })` or `new Flow(start, { hooks })`;
 * a flow's hooks also see everything inside it, nested flows included.
 *
 * Hooks are observers, never part of the run: they are called synchronously and not awaited, and a
 * hook that throws (or returns a rejected promise) does not change the run's outcome. Its error goes
 * to `hookError` if given, else to `console.error`.
 */
export interface Hooks {
  nodeStart?(event: NodeEvent): unknown;
  nodeEnd?(event: NodeEvent & { action: string; durationMs: number }): unknown;
  /** A failure in prep, exec or post. `item` is the batch item's index, for batch nodes. */
  nodeError?(event: NodeEvent & { error: unknown; attempt: number; willRetry: boolean; item?: number }): unknown;
  flowEnd?(event: { flow: string; path: string; steps: number; action: string }): unknown;
  /** What a node passed to `ctx.emit(data)`, while it is still running. */
  custom?(event: CustomEvent): unknown;
  /** The shared store's top-level keys a node changed (only with the `storeUpdates` run option). */
  store?(event: StoreEvent): unknown;
  /** The run pauses for human input: `ctx.interrupt(payload)`, or a breakpoint. */
  interrupt?(event: InterruptEvent): unknown;
  /** A checkpoint was saved. */
  checkpoint?(event: CheckpointEvent): unknown;
  hookError?(error: unknown, hook: HookName): unknown;
}

/** See {@link Hooks.custom}. */
export interface CustomEvent {
  node: string;
  path: string;
  step: number;
  /** The index of the batch item (or batch-flow run) it came from, if any: the innermost one. */
  item?: number | undefined;
  data: unknown;
  /** The event-log type it was given (`ctx.emit(data, { log })`), if any: a checkpointed run logs it. */
  log?: string;
}

/** See {@link Hooks.store}. */
export interface StoreEvent {
  node: string;
  path: string;
  step: number;
  /** The top-level keys written (a `Store`) or whose value changed (a plain object), in key order. */
  keys: string[];
  /** Their values now (the store's own objects, not copies). */
  values: Record<string, unknown>;
}

/** See {@link Hooks.interrupt}. */
export interface InterruptEvent {
  /** The node that asked, or where the breakpoint is. */
  path: string;
  payload: unknown;
}

/** See {@link Hooks.checkpoint}. */
export interface CheckpointEvent {
  runId: string;
  seq: number;
  /** The path of the node whose completion it records. */
  node: string;
  status: string;
}

export type HookName = Exclude<keyof Hooks, "hookError">;

/** The payload of each event, by name. */
export type Payloads = { [K in HookName]: Parameters<NonNullable<Hooks[K]>>[0] };

/** @internal Receives every event of a run, whatever flow it comes from. */
export type Listener = <K extends keyof Payloads>(name: K, payload: Payloads[K]) => void;

/** @internal Who observes one part of a run. */
export interface Observers {
  readonly hooks: readonly Hooks[];
  readonly listener: Listener | undefined;
  /** Whether anyone listens at all: when not, callers skip building payloads. */
  readonly observed: boolean;
}

/** @internal Delivers one event to every hook of its kind and to the listener, shielding the run from them. */
export function publish<K extends keyof Payloads>(to: Observers, name: K, payload: Payloads[K]): void {
  for (const h of to.hooks) {
    const fn = h[name] as ((p: Payloads[K]) => unknown) | undefined;
    if (!fn) continue;
    try {
      const result = fn.call(h, payload);
      if (result instanceof Promise) result.catch((error) => report(h, error, name));
    } catch (error) {
      report(h, error, name);
    }
  }
  to.listener?.(name, payload);
}

function report(h: Hooks, error: unknown, hook: HookName): void {
  try {
    if (h.hookError) return void h.hookError(error, hook);
  } catch {
    // A failing error reporter is reported below instead: nothing more can be done with it.
  }
  console.error(`flowlet: hook ${hook} threw; the run goes on.`, error);
}

/** Something a run noticed that is probably a mistake, but not an error. */
export interface FlowletWarning {
  /**
   * - `flowEnds`: a node returned an action none of its edges take, so its flow ended there;
   * - `manySteps`: one flow ran past 10,000 steps with no `maxSteps` set: maybe a loop that never ends;
   * - `successorsSkipped`: `node.run` ran a node alone that has successors.
   */
  code: "flowEnds" | "manySteps" | "successorsSkipped";
  /** The node or flow it is about. */
  path: string;
  message: string;
}

import type { Params } from "./context.js";

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
  hookError?(error: unknown, hook: HookName): unknown;
}

export type HookName = Exclude<keyof Hooks, "hookError">;

type Payload<K extends HookName> = Parameters<NonNullable<Hooks[K]>>[0];

/** Calls every hook of one kind, shielding the run from whatever they do. */
export function emit<K extends HookName>(hooks: readonly Hooks[], name: K, payload: Payload<K>): void {
  for (const h of hooks) {
    const fn = h[name] as ((p: Payload<K>) => unknown) | undefined;
    if (!fn) continue;
    try {
      const result = fn.call(h, payload);
      if (result instanceof Promise) result.catch((error) => report(h, error, name));
    } catch (error) {
      report(h, error, name);
    }
  }
}

function report(h: Hooks, error: unknown, hook: HookName): void {
  try {
    if (h.hookError) return void h.hookError(error, hook);
  } catch {
    // A failing error reporter is reported below instead: nothing more can be done with it.
  }
  console.error(`flowlet: hook ${hook} threw; the run goes on.`, error);
}

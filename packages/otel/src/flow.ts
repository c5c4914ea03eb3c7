import type { DurableRunOptions, Flow, ResumeOptions, RunOptions } from "flowlet";
import { type TracingOptions, tracerFor } from "./configured.js";
import { traceResume, traceRun } from "./run.js";

/**
 * The flow, for code that runs it for you (`serveA2A`, `startWorker`, `registerFlowTool`): every
 * `run` and `resume` through it is traced as {@link traceRun} does, each run with its own spans,
 * so concurrent runs never mix. Everything else (its name, graph, `stream`) is the flow's own;
 * `instanceof Flow` still holds. The run span's parent is the active span, which is the remote
 * caller's when `@flowlet/interop` or `@flowlet/bullmq` carried its trace context. Without
 * OpenTelemetry set up, returns `flow` itself: create it after registering the SDK.
 *
 * ```ts
 * await serveA2A(traceFlow(flow), { card });
 * startWorker({ flows: { summarise: traceFlow(summarise) }, connection, saver });
 * ```
 */
export function traceFlow<S, P, E>(flow: Flow<S, P, E>, tracing: TracingOptions = {}): Flow<S, P, E> {
  if (!tracerFor(tracing)) return flow;
  const target = flow as unknown as Flow<unknown, unknown, unknown>;
  const run = (shared: unknown, options?: RunOptions | DurableRunOptions) =>
    traceRun(target, shared, options as DurableRunOptions, tracing);
  const resume = (runId: string, options: ResumeOptions<unknown>) => traceResume(target, runId, options, tracing);
  return new Proxy(flow, {
    get(object, key) {
      if (key === "run") return run;
      if (key === "resume") return resume;
      // The flow's own methods and accessors see the flow itself, whose private fields a proxy lacks.
      const value: unknown = Reflect.get(object, key, object);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
    set(object, key, value) {
      return Reflect.set(object, key, value, object);
    },
  });
}

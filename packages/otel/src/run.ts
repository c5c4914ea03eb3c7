import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { Hooks, RunOptions } from "flowlet";
import { type TracingOptions, tracerFor } from "./configured.js";
import { RunSpans } from "./hooks.js";

/**
 * Runs `flow.run(shared, options)` traced: a span for the run and one per node visit (see
 * `tracingHooks`), ended however the run ends, failed or interrupted runs included. Without
 * OpenTelemetry set up, it is exactly `flow.run(shared, options)`.
 *
 * ```ts
 * const result = await traceRun(flow, shared, { checkpoint, runId });
 * ```
 */
export async function traceRun<S, O extends RunOptions, R>(
  flow: { readonly name: string; run(shared: S, options: O): Promise<R> },
  shared: S,
  options: O,
  tracing: TracingOptions = {},
): Promise<R> {
  const tracer = tracerFor(tracing);
  if (!tracer) return flow.run(shared, options);
  const runId = (options as { runId?: unknown }).runId;
  const root = tracer.startSpan(`flowlet.run ${flow.name}`, {
    attributes: { "flowlet.flow.name": flow.name, ...(typeof runId === "string" ? { "flowlet.run.id": runId } : {}) },
  });
  const spans = new RunSpans(tracer, root);
  const hooks = options.hooks ? both(options.hooks, spans.hooks) : spans.hooks;
  // The run's span is active inside the run, so LLM calls (traceLLM) and any other spans are its children.
  try {
    const result = await context.with(trace.setSpan(context.active(), root), () => flow.run(shared, { ...options, hooks }));
    const status = (result as { status?: string } | null)?.status;
    spans.finish({ interrupted: status === "interrupted" });
    root.setAttribute("flowlet.run.status", status ?? "completed");
    return result;
  } catch (error) {
    spans.finish({ error });
    root.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    root.setAttribute("flowlet.run.status", "failed");
    throw error;
  } finally {
    root.end();
  }
}

function both(a: Hooks, b: Hooks): Hooks {
  const out: Hooks = {};
  for (const name of ["nodeStart", "nodeEnd", "nodeError", "flowEnd"] as const) {
    const x = a[name] as ((event: unknown) => unknown) | undefined;
    const y = b[name] as ((event: unknown) => unknown) | undefined;
    if (x || y) (out as Record<string, (event: unknown) => void>)[name] = (event) => {
      x?.call(a, event);
      y?.call(b, event);
    };
  }
  if (a.hookError) out.hookError = a.hookError.bind(a);
  return out;
}

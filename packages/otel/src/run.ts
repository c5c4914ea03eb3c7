import { type Attributes, SpanStatusCode, type Tracer, context, trace } from "@opentelemetry/api";
import type { DurableRunOptions, Flow, Hooks, ResumeOptions, RunOptions, RunResult } from "flowlet";
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
export function traceRun<S>(
  flow: Flow<S, unknown, unknown>,
  shared: S,
  options: DurableRunOptions,
  tracing?: TracingOptions,
): Promise<RunResult<S>>;
export function traceRun<S>(flow: Flow<S, unknown, unknown>, shared: S, options?: RunOptions, tracing?: TracingOptions): Promise<string>;
export async function traceRun<S>(
  flow: Flow<S, unknown, unknown>,
  shared: S,
  options: RunOptions | DurableRunOptions = {},
  tracing: TracingOptions = {},
): Promise<string | RunResult<S>> {
  const run = (opts: RunOptions | DurableRunOptions) => ("checkpoint" in opts ? flow.run(shared, opts) : flow.run(shared, opts));
  const tracer = tracerFor(tracing);
  if (!tracer) return run(options);
  const runId = "runId" in options ? options.runId : undefined;
  const id = typeof runId === "string" ? runId : undefined;
  return traced<string | RunResult<S>>(tracer, flow.name, id, false, options.hooks, (hooks) => run({ ...options, hooks }));
}

/**
 * Runs `flow.resume(runId, options)` traced as {@link traceRun} traces a run: the continuation is
 * a new `flowlet.run` span with `flowlet.run.resumed` set. Without OpenTelemetry set up, it is
 * exactly `flow.resume(runId, options)`.
 */
export async function traceResume<S>(
  flow: Flow<S, unknown, unknown>,
  runId: string,
  options: ResumeOptions<S>,
  tracing: TracingOptions = {},
): Promise<RunResult<S>> {
  const tracer = tracerFor(tracing);
  if (!tracer) return flow.resume(runId, options);
  return traced(tracer, flow.name, options.forkAs ?? runId, true, options.hooks, (hooks) => flow.resume(runId, { ...options, hooks }));
}

/** A run (or resume) inside its span, with the node spans' hooks added to the caller's. */
async function traced<R extends string | RunResult<unknown>>(
  tracer: Tracer,
  name: string,
  runId: string | undefined,
  resumed: boolean,
  own: Hooks | undefined,
  start: (hooks: Hooks) => Promise<R>,
): Promise<R> {
  const attributes: Attributes = { "flowlet.flow.name": name };
  if (runId !== undefined) attributes["flowlet.run.id"] = runId;
  if (resumed) attributes["flowlet.run.resumed"] = true;
  // The parent is the active span: the caller's, or one a remote caller's context carried (A2A, queue jobs).
  const root = tracer.startSpan(`flowlet.run ${name}`, { attributes });
  const spans = new RunSpans(tracer, root);
  const hooks = own ? both(own, spans.hooks) : spans.hooks;
  // The run's span is active inside the run, so LLM calls (traceLLM) and any other spans are its children.
  try {
    const result = await context.with(trace.setSpan(context.active(), root), () => start(hooks));
    const status = typeof result === "string" ? undefined : result.status;
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
    if (x || y)
      (out as Record<string, (event: unknown) => void>)[name] = (event) => {
        x?.call(a, event);
        y?.call(b, event);
      };
  }
  if (a.hookError) out.hookError = a.hookError.bind(a);
  return out;
}

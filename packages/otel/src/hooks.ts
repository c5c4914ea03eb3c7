import { type Span, SpanStatusCode, type Tracer, context, trace } from "@opentelemetry/api";
import type { Hooks } from "flowlet";
import { type TracingOptions, tracerFor } from "./configured.js";

/** @internal The spans of one run's node visits, by path; the run's span is the top flow's visit. */
export class RunSpans {
  readonly #tracer: Tracer;
  /** Open spans by path; a path visited by parallel items at once stacks its spans. */
  readonly #open = new Map<string, Span[]>();

  readonly #root: Span | undefined;

  /** `root`: the run's span, made by the caller; else the top flow's visit makes one. */
  constructor(tracer: Tracer, root?: Span) {
    this.#tracer = tracer;
    this.#root = root;
  }

  readonly hooks: Hooks = {
    nodeStart: ({ node, path, step }) => {
      const top = !path.includes("/");
      if (top && this.#root) {
        this.#root.setAttribute("flowlet.flow.name", node);
        this.#open.set(path, [...(this.#open.get(path) ?? []), this.#root]);
        return;
      }
      const attributes = top
        ? { "flowlet.flow.name": node }
        : { "flowlet.node.name": node, "flowlet.node.path": path, "flowlet.node.step": step };
      const span = this.#tracer.startSpan(top ? `flowlet.run ${node}` : `flowlet.node ${node}`, { attributes }, this.#parentOf(path));
      this.#open.set(path, [...(this.#open.get(path) ?? []), span]);
    },
    nodeEnd: ({ path, action, durationMs }) => {
      const stack = this.#open.get(path);
      const span = stack?.pop();
      if (stack?.length === 0) this.#open.delete(path);
      span?.setAttributes({ "flowlet.node.action": action, "flowlet.node.duration_ms": durationMs });
      if (span !== this.#root) span?.end();
    },
    nodeError: ({ path, error, attempt, willRetry }) => {
      const span = this.#open.get(path)?.at(-1);
      if (!span) return;
      const err = error instanceof Error ? error : new Error(String(error));
      span.addEvent(willRetry ? "flowlet.retry" : "exception", {
        "exception.type": err.name,
        "exception.message": err.message,
        "flowlet.attempt": attempt,
      });
      // Not ended here: a fallback may still recover; nodeEnd or the run's end closes it.
      if (!willRetry) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    },
  };

  /** Ends the spans a failed or interrupted run left open, innermost first. */
  finish(outcome: { error?: unknown; interrupted?: boolean }): void {
    const paths = [...this.#open.keys()].sort((a, b) => b.length - a.length);
    for (const path of paths) {
      for (const span of this.#open.get(path) ?? []) {
        if (outcome.interrupted) span.setAttribute("flowlet.interrupted", true);
        if (outcome.error !== undefined) {
          const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
          span.setStatus({ code: SpanStatusCode.ERROR, message });
        }
        if (span !== this.#root) span.end();
      }
    }
    this.#open.clear();
  }

  #parentOf(path: string) {
    for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
      const span = this.#open.get(path.slice(0, cut))?.at(-1);
      if (span) return trace.setSpan(context.active(), span);
    }
    return context.active();
  }
}

/**
 * Hooks that trace a flow: a span for the top flow's visit (the run), and one for every node visit
 * below it, each the child of its enclosing flow's span; the run's span is the child of the span
 * active where `flow.run` was called. Returns `{}` when OpenTelemetry is not set up (create the
 * hooks after registering the SDK). Prefer {@link traceRun}, which also ends the spans of a run
 * that fails or pauses for input.
 */
export function tracingHooks(options: TracingOptions = {}): Hooks {
  const tracer = tracerFor(options);
  return tracer ? new RunSpans(tracer).hooks : {};
}

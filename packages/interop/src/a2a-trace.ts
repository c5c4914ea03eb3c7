/**
 * W3C trace context across A2A calls, through `@opentelemetry/api` (a no-op without an SDK): the
 * client sends the active context in the request's headers (`traceparent`, `tracestate`, or
 * whatever propagator the application registered), and the server runs the flow inside the
 * context it extracts, so the served run's spans continue the caller's trace.
 */
import {
  type Context,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  context,
  propagation,
  trace,
} from "@opentelemetry/api";

const SCOPE = "@flowlet/interop";

/** The tracer, or undefined when no OpenTelemetry SDK is registered: then no span is made. */
function tracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider && provider.getDelegateTracer(SCOPE) === undefined) return undefined;
  return provider.getTracer(SCOPE);
}

/** One outgoing A2A call: its client span (when tracing), and the headers that carry its context. */
export class OutgoingCall {
  readonly #span: Span | undefined;
  readonly #context: Context;

  constructor(agent: URL) {
    const parent = context.active();
    this.#span = tracer()?.startSpan(
      "A2A SendMessage",
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "server.address": agent.hostname,
          "server.port": Number(agent.port || (agent.protocol === "https:" ? 443 : 80)),
          "url.full": `${agent.origin}${agent.pathname}`,
        },
      },
      parent,
    );
    this.#context = this.#span ? trace.setSpan(parent, this.#span) : parent;
  }

  /** `headers` plus the trace context (none when nothing is traced and no propagator is registered). */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    const carrier: Record<string, string> = { ...headers };
    propagation.inject(this.#context, carrier);
    return Object.keys(carrier).length > 0 ? carrier : undefined;
  }

  /** Runs `fn` with the call's span active, so spans made by the HTTP layer (fetch instrumentation) are its children. */
  within<T>(fn: () => T): T {
    return context.with(this.#context, fn);
  }

  /** Ends the span with the task it reached. */
  end(outcome: { taskId?: string | undefined; state?: string | undefined; error?: unknown }): void {
    const span = this.#span;
    if (!span) return;
    if (outcome.taskId) span.setAttribute("flowlet.a2a.task.id", outcome.taskId);
    if (outcome.state) span.setAttribute("flowlet.a2a.task.state", outcome.state);
    if (outcome.error !== undefined) {
      const err = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
      span.recordException(err);
      span.setAttribute("error.type", err.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    }
    span.end();
  }
}

/** The context a request's headers carry: the caller's trace, when it sent one (else the active context). */
export function incomingContext(headers: unknown): Context {
  const active = context.active();
  if (headers === null || typeof headers !== "object") return active;
  return propagation.extract(active, headers as Record<string, string | string[] | undefined>);
}

/** Runs `fn` inside `ctx`. */
export function withContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

/**
 * W3C trace context across queue jobs, through `@opentelemetry/api` (a no-op without an SDK): a
 * job records the context active where it was enqueued (a run) or dispatched (an item), and the
 * worker executes it inside that context, so its spans continue the enqueuer's trace.
 */
import { ProxyTracerProvider, type Span, SpanKind, SpanStatusCode, type Tracer, context, propagation, trace } from "@opentelemetry/api";

const SCOPE = "@flowlet/bullmq";

/** The active trace context as job data (`traceparent`, `tracestate`, …), or undefined when there is none to carry. */
export function traceCarrier(): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** Runs `fn` in the context a job carried (or the active one, for a job enqueued untraced). */
export function continueTrace<T>(carrier: Record<string, string> | undefined, fn: () => T): T {
  if (!carrier) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** The tracer, or undefined when no OpenTelemetry SDK is registered: then no span is made. */
function tracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider && provider.getDelegateTracer(SCOPE) === undefined) return undefined;
  return provider.getTracer(SCOPE);
}

/** What an item's span records. */
export interface ItemSpanInfo {
  flow: string;
  runId: string;
  node: string;
  attempt: number;
  worker: string;
}

/**
 * Runs a distributed item inside a consumer span `flowlet.item <node>` (when tracing), the child
 * of the context the item job carried, with the span active so the item's own spans nest in it.
 */
export async function tracedItem<T>(info: ItemSpanInfo, carrier: Record<string, string> | undefined, work: () => Promise<T>): Promise<T> {
  return continueTrace(carrier, async () => {
    const span: Span | undefined = tracer()?.startSpan(`flowlet.item ${info.node}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        "flowlet.flow.name": info.flow,
        "flowlet.run.id": info.runId,
        "flowlet.node.name": info.node,
        "flowlet.item.attempt": info.attempt,
        "flowlet.worker": info.worker,
      },
    });
    if (!span) return work();
    try {
      return await context.with(trace.setSpan(context.active(), span), work);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

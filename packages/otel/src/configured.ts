import { ProxyTracerProvider, type Tracer, trace } from "@opentelemetry/api";

/** The instrumentation scope of every span this package makes. */
export const SCOPE = "@flowlet/otel";

/** Options shared by {@link tracingHooks} and {@link traceLLM}. */
export interface TracingOptions {
  /** Default: the global provider's tracer for "@flowlet/otel". */
  tracer?: Tracer;
  /**
   * Record prompts and completions on LLM spans (`gen_ai.input.messages`, `gen_ai.output.messages`).
   * Default false: they may hold personal data, and they are large.
   */
  captureContent?: boolean;
}

/**
 * The tracer to use, or undefined when OpenTelemetry is not set up (no SDK registered and no
 * tracer given): then callers add no hooks and no wrappers, so tracing costs nothing.
 */
export function tracerFor(options: TracingOptions): Tracer | undefined {
  if (options.tracer) return options.tracer;
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider && provider.getDelegateTracer(SCOPE) === undefined) return undefined;
  return provider.getTracer(SCOPE);
}

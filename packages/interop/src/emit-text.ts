import { AsyncLocalStorage } from "node:async_hooks";

/** Receives streamed text, one delta at a time. */
export type TextSink = (delta: string) => void;

// The sink travels with the run's async context rather than in the shared store or params: both of
// those must stay JSON for checkpoints, and a function is not.
const sinks = new AsyncLocalStorage<TextSink>();

/**
 * Streams a text delta (e.g. an LLM token) out of a running node to whoever hosts the flow.
 * Under `serveA2A` each delta becomes an A2A artifact update; anywhere else, with no sink, it
 * does nothing, so a node can always call it.
 *
 * @example
 * for await (const delta of llm.stream(messages, { signal: ctx.signal })) emitText(delta);
 */
export function emitText(delta: string): void {
  if (delta) sinks.getStore()?.(delta);
}

/**
 * Runs `fn` (typically `() => flow.run(shared)`) with `sink` receiving every {@link emitText}
 * made inside it, across all its awaits. Concurrent runs each keep their own sink.
 */
export function withTextSink<T>(sink: TextSink, fn: () => T): T {
  return sinks.run(sink, fn);
}

/**
 * The text in what a node passed to `ctx.emit(data)`, which streams like {@link emitText}: a string,
 * or an object's string `token` or `text` (`await ctx.emit({ token })`, the core's LLM pattern).
 */
export function textOfEmit(data: unknown): string | undefined {
  if (typeof data === "string") return data;
  if (typeof data !== "object" || data === null) return undefined;
  const { token, text } = data as { token?: unknown; text?: unknown };
  return typeof token === "string" ? token : typeof text === "string" ? text : undefined;
}

import { type Attributes, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ChatResult, LLM, LLMStream, Prompt, UsageEvent } from "@flowlet/llm";
import { type TracingOptions, tracerFor } from "./configured.js";

type Operation = "chat" | "embeddings";

/**
 * Wraps `llm` so that every call is a client span with the OpenTelemetry GenAI semantic
 * conventions: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
 * `gen_ai.response.model`, `gen_ai.usage.input_tokens` / `output_tokens`,
 * `gen_ai.response.finish_reasons`. Prompts and replies are recorded only with
 * `captureContent: true`. The span is the child of the active span. Without OpenTelemetry set up,
 * returns `llm` itself.
 */
export function traceLLM(llm: LLM, options: TracingOptions = {}): LLM {
  const tracer = tracerFor(options);
  if (!tracer) return llm;
  const content = options.captureContent === true;
  const { provider, baseURL } = llm.connection;
  const start = (operation: Operation, model: string, prompt: unknown): { span: Span; usage: (event: UsageEvent) => void } => {
    const attributes: Attributes = {
      "gen_ai.operation.name": operation,
      "gen_ai.provider.name": provider,
      "gen_ai.request.model": model,
    };
    if (baseURL) attributes["server.address"] = new URL(baseURL).hostname;
    if (content) attributes["gen_ai.input.messages"] = JSON.stringify(prompt);
    const span = tracer.startSpan(`${operation} ${model}`, { kind: SpanKind.CLIENT, attributes });
    let input = 0;
    let output = 0;
    return {
      span,
      // Summed over the requests of one call (structured re-asks, embedding batches).
      usage: (event) => {
        input += event.inputTokens;
        output += event.outputTokens;
        span.setAttributes({
          "gen_ai.response.model": event.model,
          "gen_ai.usage.input_tokens": input,
          "gen_ai.usage.output_tokens": output,
        });
      },
    };
  };
  const fail = (span: Span, error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    span.recordException(err);
    span.setAttribute("error.type", err.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    span.end();
  };
  const model = (given: string | undefined) => given ?? llm.connection.model;
  const chain =
    <E>(mine: (event: E) => void, theirs: ((event: E) => void) | undefined) =>
    (event: E) => {
      mine(event);
      theirs?.(event);
    };
  const replied = (span: Span, reply: ChatResult) => {
    span.setAttributes({ "gen_ai.response.model": reply.model, "gen_ai.response.finish_reasons": [reply.finishReason.unified] });
    if (content)
      span.setAttribute("gen_ai.output.messages", JSON.stringify([{ role: "assistant", content: reply.text, toolCalls: reply.toolCalls }]));
    span.end();
    return reply;
  };
  return {
    connection: llm.connection,
    limits: llm.limits,
    limitsFor: (name) => llm.limitsFor(name),
    countTokens: (prompt, name) => llm.countTokens(prompt, name),
    async chat(prompt, callOptions = {}) {
      const { span, usage } = start("chat", model(callOptions.model), prompt);
      try {
        return replied(span, await llm.chat(prompt, { ...callOptions, onUsage: chain(usage, callOptions.onUsage) }));
      } catch (error) {
        fail(span, error);
        throw error;
      }
    },
    async continue(prompt, reply, callOptions = {}) {
      const { span, usage } = start("chat", model(callOptions.model), prompt);
      try {
        return replied(span, await llm.continue(prompt, reply, { ...callOptions, onUsage: chain(usage, callOptions.onUsage) }));
      } catch (error) {
        fail(span, error);
        throw error;
      }
    },
    stream(prompt: Prompt, callOptions = {}): LLMStream {
      const { span, usage } = start("chat", model(callOptions.model), prompt);
      const inner = llm.stream(prompt, { ...callOptions, onUsage: chain(usage, callOptions.onUsage) });
      // The span ends once, whether the caller iterates, asks for the result, or both.
      let ended: Promise<ChatResult> | undefined;
      const result = () => {
        ended ??= inner.result().then(
          (reply) => replied(span, reply),
          (error: unknown) => {
            fail(span, error);
            throw error;
          },
        );
        return ended;
      };
      return {
        async *[Symbol.asyncIterator]() {
          try {
            yield* inner;
          } catch (error) {
            ended ??= Promise.reject(error);
            ended.catch(() => {});
            fail(span, error);
            throw error;
          }
          await result();
        },
        result,
      };
    },
    async structured(prompt, schema, callOptions = {}) {
      const { span, usage } = start("chat", model(callOptions.model), prompt);
      try {
        const value = await llm.structured(prompt, schema, { ...callOptions, onUsage: chain(usage, callOptions.onUsage) });
        if (content) span.setAttribute("gen_ai.output.messages", JSON.stringify([{ role: "assistant", content: value }]));
        span.end();
        return value;
      } catch (error) {
        fail(span, error);
        throw error;
      }
    },
    async embed(texts, callOptions = {}) {
      const { span, usage } = start(
        "embeddings",
        callOptions.model ?? llm.connection.embeddingModel ?? llm.connection.model,
        content ? texts : undefined,
      );
      try {
        const result = await llm.embed(texts, { ...callOptions, onUsage: chain(usage, callOptions.onUsage) });
        span.end();
        return result;
      } catch (error) {
        fail(span, error);
        throw error;
      }
    },
  };
}

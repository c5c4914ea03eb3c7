import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Flow, MemorySaver, Node, type NodeContext } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReviewFlow } from "../../../cookbook/human-in-the-loop/flow.js";
import type { ReviewStore } from "../../../cookbook/human-in-the-loop/nodes.js";
import { createArticleFlow } from "../../../cookbook/workflow/flow.js";
import type { ArticleStore } from "../../../cookbook/workflow/nodes.js";
import { traceFlow, traceLLM, traceRun, tracingHooks } from "../src/index.js";

let fake: FakeLLM;
const exporter = new InMemorySpanExporter();
const manager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  fake = await startFakeLLM();
  fake.respond((request) => {
    const prompt = request.lastUserText;
    if (prompt.startsWith("Outline")) return "```yaml\ntitle: Small\nsections:\n  - One\n  - Two\n```";
    if (prompt.startsWith("Write a short")) return { text: "Out now.", usage: { inputTokens: 20, outputTokens: 3 } };
    return { text: `Draft of ${/"([^"]+)"/.exec(prompt)?.[1]}.`, usage: { inputTokens: 30, outputTokens: 5 } };
  });
});
afterAll(async () => {
  await fake.close();
  trace.disable();
  context.disable();
});

const byName = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("@flowlet/otel", () => {
  // First, before any SDK is registered: tracing must cost nothing.
  it("does nothing when OpenTelemetry is not set up", async () => {
    const llm = createLLM(fake.config);
    expect(traceLLM(llm)).toBe(llm);
    expect(tracingHooks()).toEqual({});
    const untraced = new Flow();
    expect(traceFlow(untraced)).toBe(untraced);
    class Step extends Node {
      override post(): string {
        return "done";
      }
    }
    expect(await traceRun(new Flow(new Step()), {}, {})).toBe("done");
  });

  it("traces a run: a run span, a span per node under it, and GenAI spans for the LLM calls, without content", async () => {
    context.setGlobalContextManager(manager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    exporter.reset();
    const flow = createArticleFlow(traceLLM(createLLM(fake.config)));
    const result = await traceRun(flow, { topic: "small tools" } as ArticleStore, { checkpoint: new MemorySaver(), runId: "a1" });
    expect(result.status).toBe("completed");

    const spans = exporter.getFinishedSpans();
    const [run] = byName(spans, "flowlet.run");
    expect(run).toBeDefined();
    expect(parentOf(run!)).toBeUndefined();
    expect(run!.attributes).toMatchObject({
      "flowlet.flow.name": "ArticleWriter",
      "flowlet.run.id": "a1",
      "flowlet.run.status": "completed",
    });
    const nodes = byName(spans, "flowlet.node");
    expect(nodes.map((s) => s.attributes["flowlet.node.name"])).toEqual(["Outliner", "BatchDrafter", "Combiner"]);
    for (const node of nodes) {
      expect(parentOf(node)).toBe(run!.spanContext().spanId);
      expect(node.spanContext().traceId).toBe(run!.spanContext().traceId);
    }
    expect(nodes[0]!.attributes).toMatchObject({ "flowlet.node.path": "ArticleWriter/Outliner", "flowlet.node.action": "default" });

    const calls = byName(spans, "chat ");
    expect(calls).toHaveLength(3); // the outline, then two sections
    for (const call of calls) {
      expect(parentOf(call)).toBe(run!.spanContext().spanId);
      expect(call.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": fake.config.model,
        "gen_ai.response.model": fake.config.model,
      });
      expect(call.attributes["gen_ai.input.messages"]).toBeUndefined();
      expect(call.attributes["gen_ai.output.messages"]).toBeUndefined();
    }
    const drafts = calls.filter((c) => c.attributes["gen_ai.usage.input_tokens"] === 30);
    expect(drafts).toHaveLength(2);
    expect(drafts[0]!.attributes).toMatchObject({ "gen_ai.usage.output_tokens": 5, "gen_ai.response.finish_reasons": ["stop"] });
    // No secret on any span.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(fake.config.apiKey!);
  });

  it("records prompts and replies only when asked, and ends the spans of an interrupted run", async () => {
    exporter.reset();
    const flow = createReviewFlow(traceLLM(createLLM(fake.config), { captureContent: true }));
    const result = await traceRun(flow, { topic: "the release", feedback: [] } as ReviewStore, {
      checkpoint: new MemorySaver(),
      runId: "r1",
    });
    expect(result.status).toBe("interrupted");
    const spans = exporter.getFinishedSpans();
    const [call] = byName(spans, "chat ");
    expect(String(call!.attributes["gen_ai.input.messages"])).toContain("the release");
    expect(String(call!.attributes["gen_ai.output.messages"])).toContain("Out now.");
    const [run] = byName(spans, "flowlet.run");
    expect(run!.attributes["flowlet.run.status"]).toBe("interrupted");
    const review = byName(spans, "flowlet.node").find((s) => s.attributes["flowlet.node.name"] === "Review");
    expect(review?.attributes["flowlet.interrupted"]).toBe(true); // ended, although it never reached nodeEnd
  });

  it("marks a failed node and its run as errors", async () => {
    exporter.reset();
    class Boom extends Node {
      override exec(): never {
        throw new Error("boom");
      }
    }
    await expect(traceRun(new Flow(new Boom(), { name: "Failing" }), {}, {})).rejects.toThrow(/boom/);
    const spans = exporter.getFinishedSpans();
    const [node] = byName(spans, "flowlet.node");
    expect(node!.status).toMatchObject({ code: 2, message: expect.stringContaining("boom") });
    expect(node!.events.map((e) => e.name)).toContain("exception");
    expect(byName(spans, "flowlet.run")[0]!.status.code).toBe(2);
  });

  it("traceFlow: concurrent runs of one flow each get their own span tree, and the flow is otherwise itself", async () => {
    exporter.reset();
    class Wait extends Node<{ ms: number }> {
      override prep(shared: { ms: number }): number {
        return shared.ms;
      }
      override async exec(ms: unknown): Promise<void> {
        await new Promise((r) => setTimeout(r, ms as number));
      }
    }
    const first = new Wait({ name: "First" });
    first.next(new Wait({ name: "Second" }));
    const plain = new Flow<{ ms: number }>(first, { name: "Waits" });
    const flow = traceFlow(plain);
    expect(flow).toBeInstanceOf(Flow);
    expect(flow.name).toBe("Waits");
    flow.maxSteps = 10; // an accessor over a private field, through the proxy
    expect(plain.maxSteps).toBe(10);
    await Promise.all([flow.run({ ms: 30 }), flow.run({ ms: 5 }), flow.run({ ms: 15 })]);

    const spans = exporter.getFinishedSpans();
    const runs = byName(spans, "flowlet.run Waits");
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      const below = spans.filter((s) => parentOf(s) === run.spanContext().spanId).map((s) => s.name);
      expect(below.sort()).toEqual(["flowlet.node First", "flowlet.node Second"]);
    }
    // A resume through it is traced too, as a new run span.
    const saver = new MemorySaver();
    class Ask extends Node {
      override exec(_: unknown, ctx: NodeContext): unknown {
        return ctx.interrupt("ok?");
      }
    }
    const asking = traceFlow(new Flow(new Ask(), { name: "Asking" }));
    expect((await asking.run({}, { checkpoint: saver, runId: "r1" })).status).toBe("interrupted");
    expect((await asking.resume("r1", { checkpoint: saver, resumeWith: "yes" })).status).toBe("completed");
    const resumed = byName(exporter.getFinishedSpans(), "flowlet.run Asking");
    expect(resumed.map((s) => s.attributes["flowlet.run.resumed"])).toEqual([undefined, true]);
    expect(resumed.map((s) => s.attributes["flowlet.run.status"])).toEqual(["interrupted", "completed"]);
  });
});

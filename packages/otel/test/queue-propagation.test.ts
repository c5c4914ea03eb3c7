import { FlowQueue, type FlowWorker, distributed, startWorker } from "@flowlet/bullmq";
import { type TestRedis, startRedis } from "@flowlet/test-services";
import { SpanKind, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Flow, MemorySaver, Node, type NodeContext, ParallelBatchNode } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceFlow } from "../src/index.js";

interface Shared {
  n: number;
  squares?: number[];
  answer?: string;
}

class Squares extends ParallelBatchNode<Shared, number, number> {
  override prep(shared: Shared): number[] {
    return Array.from({ length: shared.n }, (_, i) => i);
  }
  override exec(i: number): number {
    return i * i;
  }
  override post(shared: Shared, _items: number[], squares: number[]): undefined {
    shared.squares = squares;
  }
}

class Approve extends Node<Shared, undefined, string> {
  override exec(_: undefined, ctx: NodeContext): string {
    return ctx.interrupt<string>("publish?");
  }
  override post(shared: Shared, _p: undefined, answer: string): undefined {
    shared.answer = answer;
  }
}

const exporter = new InMemorySpanExporter();
const tracer = () => trace.getTracer("queue-propagation-test");
let redis: TestRedis;
let queue: FlowQueue;
let worker: FlowWorker;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  redis = await startRedis();
  const squares = new Flow<Shared>(distributed(new Squares({ name: "Square" })), { name: "squares" });
  const approve = new Flow<Shared>(new Approve(), { name: "approve" });
  // The worker is in this process, but the context reaches it only through the job's data in Redis.
  worker = startWorker({
    flows: { squares: traceFlow(squares), approve: traceFlow(approve) },
    connection: redis.url,
    saver: new MemorySaver(),
  });
  queue = new FlowQueue({ connection: redis.url });
  await worker.ready();
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await redis?.stop();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** Runs `fn` inside a new span of the test, as an application's request handler would. */
async function within<T>(name: string, fn: () => Promise<T>): Promise<{ span: ReadableSpan; value: T }> {
  const span = tracer().startSpan(name);
  const value = await context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  const done = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
  return { span: done, value };
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe("trace context across queue jobs (BullMQ on a real Redis)", () => {
  it("the worker's run span continues the enqueuer's trace, and each distributed item's span is the run's child", async () => {
    exporter.reset();
    const { span: request, value: outcome } = await within("POST /squares", async () => {
      const run = await queue.enqueue("squares", { n: 4 }, { runId: "sq-1" });
      return run.result();
    });
    expect(outcome).toMatchObject({ status: "completed", shared: { squares: [0, 1, 4, 9] } });

    const spans = exporter.getFinishedSpans();
    const traceId = request.spanContext().traceId;
    const [run] = spans.filter((s) => s.name === "flowlet.run squares");
    expect(run).toBeDefined();
    expect(run!.spanContext().traceId).toBe(traceId);
    expect(run!.parentSpanContext).toMatchObject({ spanId: idOf(request), isRemote: true });
    expect(run!.attributes).toMatchObject({ "flowlet.run.id": "sq-1", "flowlet.run.status": "completed" });

    const [node] = spans.filter((s) => s.name === "flowlet.node Square");
    expect(node?.parentSpanContext?.spanId).toBe(idOf(run!));
    const items = spans.filter((s) => s.name === "flowlet.item Square");
    expect(items).toHaveLength(4);
    for (const item of items) {
      expect(item.kind).toBe(SpanKind.CONSUMER);
      expect(item.instrumentationScope.name).toBe("@flowlet/bullmq");
      expect(item.spanContext().traceId).toBe(traceId);
      // Dispatched from the batch's exec, where the run's span is the active one.
      expect(item.parentSpanContext).toMatchObject({ spanId: idOf(run!), isRemote: true });
      expect(item.attributes).toMatchObject({ "flowlet.flow.name": "squares", "flowlet.run.id": "sq-1", "flowlet.item.attempt": 0 });
    }
  });

  it("a resumed run is a new run span in the trace of whoever resumed it", async () => {
    exporter.reset();
    const { span: start, value: paused } = await within("POST /approve", async () =>
      (await queue.enqueue("approve", { n: 0 }, { runId: "ap-1" })).result(),
    );
    expect(paused).toMatchObject({ status: "interrupted", payload: "publish?" });
    const { span: answer, value: done } = await within("POST /approve/answer", async () =>
      (await queue.resume("ap-1", { resumeWith: "yes" })).result(),
    );
    expect(done).toMatchObject({ status: "completed", shared: { answer: "yes" } });

    const runs = exporter.getFinishedSpans().filter((s) => s.name === "flowlet.run approve");
    expect(runs).toHaveLength(2);
    const [first, second] = runs;
    expect(first!.parentSpanContext?.spanId).toBe(idOf(start));
    expect(first!.attributes).toMatchObject({ "flowlet.run.status": "interrupted" });
    expect(second!.spanContext().traceId).toBe(answer.spanContext().traceId);
    expect(second!.parentSpanContext?.spanId).toBe(idOf(answer));
    expect(second!.attributes).toMatchObject({ "flowlet.run.resumed": true, "flowlet.run.status": "completed", "flowlet.run.id": "ap-1" });
  });
});

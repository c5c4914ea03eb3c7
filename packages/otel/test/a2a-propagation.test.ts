import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { SendToAgent } from "@flowlet/interop";
import { SpanKind, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Flow } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceFlow, traceRun } from "../src/index.js";

/** A span of process B, as its stdout exporter wrote it. */
interface RemoteSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  parentIsRemote: boolean;
  attributes: Record<string, unknown>;
  scope: string;
}

const QUESTION = "Which river runs through the old town?";
const agentScript = join(import.meta.dirname, "fixtures", "traced-agent.ts");
let agent: ChildProcess;
let url: string;
const remote: RemoteSpan[] = [];
let stderr = "";

beforeAll(async () => {
  agent = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", agentScript], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stderr!.on("data", (d) => {
    stderr += d;
  });
  url = await new Promise<string>((resolve, reject) => {
    let pending = "";
    agent.stdout!.on("data", (chunk) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("url ")) resolve(line.slice(4));
        else if (line.startsWith("span ")) remote.push(JSON.parse(line.slice(5)) as RemoteSpan);
      }
    });
    agent.on("exit", (code) => reject(new Error(`the agent process exited (${code}) before listening: ${stderr.slice(-2000)}`)));
  });
}, 60_000);

afterAll(async () => {
  if (agent.exitCode === null) {
    const exited = new Promise((resolve) => agent.once("exit", resolve));
    agent.kill("SIGTERM");
    await exited;
  }
  trace.disable();
  context.disable();
  propagation.disable();
});

/** B's spans of one trace, once its run span has been exported (it ends before the task completes, but stdout may lag). */
async function remoteRuns(count: number): Promise<RemoteSpan[]> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const runs = remote.filter((s) => s.name === "flowlet.run Answerer");
    if (runs.length >= count) return runs;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process B exported ${remote.length} spans, not ${count} run spans: ${stderr.slice(-2000)}`);
}

interface Caller {
  question: string;
  answers: string[];
}

function ask(binding: "JSONRPC" | "HTTP+JSON", name: string): SendToAgent<Caller> {
  const node = new SendToAgent<Caller>({
    url,
    binding,
    message: (s) => s.question,
    save: (s, r) => {
      s.answers.push(r.text);
    },
  });
  node.name = name;
  return node;
}

describe("trace context across an A2A call between two processes", () => {
  // First, before process A registers any SDK: nothing is sent, so B's run starts a trace of its own.
  it("sends no trace context when the caller is not traced", async () => {
    const flow = new Flow<Caller>(ask("JSONRPC", "Ask"), { name: "Caller" });
    expect(traceFlow(flow)).toBe(flow);
    const shared: Caller = { question: QUESTION, answers: [] };
    await traceRun(flow, shared);
    expect(shared.answers).toEqual([`Reply to: ${QUESTION}`]);
    const [run] = await remoteRuns(1);
    expect(run!.parentSpanId).toBeUndefined();
    remote.length = 0;
  });

  it("B's run span is the child of A's A2A client span, over JSON-RPC and HTTP+JSON; no content is recorded", async () => {
    const exporter = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

    const first = ask("JSONRPC", "AskRpc");
    first.next(ask("HTTP+JSON", "AskRest"));
    const shared: Caller = { question: QUESTION, answers: [] };
    // Which endpoints the SDK's client posted to (the requests themselves go out unchanged), and their traceparent.
    const posted: { url: string; traceparent: string | null }[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      if (init?.method === "POST") posted.push({ url: String(input), traceparent: new Headers(init.headers).get("traceparent") });
      return realFetch(input, init);
    };
    try {
      await traceRun(new Flow<Caller>(first, { name: "Caller" }), shared);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(shared.answers).toEqual([`Reply to: ${QUESTION}`, `Reply to: ${QUESTION}`]);
    expect(posted.map((p) => new URL(p.url).pathname)).toEqual(["/", "/rest/message:stream"]);

    const local = exporter.getFinishedSpans();
    const named = (name: string) => local.filter((s) => s.name === name);
    const [run] = named("flowlet.run Caller");
    const clients = named("A2A SendMessage");
    const nodes = [...named("flowlet.node AskRpc"), ...named("flowlet.node AskRest")];
    expect(run).toBeDefined();
    expect(clients).toHaveLength(2);
    expect(nodes).toHaveLength(2);
    const traceId = run!.spanContext().traceId;
    for (const span of local) expect(span.spanContext().traceId).toBe(traceId);

    // A: each node visit holds one client span, the child of the run span (hooks cannot make the node's span active).
    for (const [i, client] of clients.entries()) {
      expect(client.kind).toBe(SpanKind.CLIENT);
      expect(client.instrumentationScope.name).toBe("@flowlet/interop");
      expect(client.parentSpanContext?.spanId).toBe(run!.spanContext().spanId);
      const node = nodes[i]!;
      // Within a millisecond: the SDK anchors each span's clock on Date.now().
      expect(toMs(client.startTime)).toBeGreaterThanOrEqual(toMs(node.startTime) - 1);
      expect(toMs(client.endTime)).toBeLessThanOrEqual(toMs(node.endTime) + 1);
      const host = new URL(url);
      expect(client.attributes).toMatchObject({
        "server.address": host.hostname,
        "server.port": Number(host.port),
        "flowlet.a2a.task.state": "completed",
      });
      expect(client.attributes["flowlet.a2a.task.id"]).toEqual(expect.any(String));
    }

    // The W3C header names each call's client span.
    expect(posted.map((p) => p.traceparent)).toEqual(clients.map((c) => `00-${traceId}-${c.spanContext().spanId}-01`));

    // B: two runs, in A's trace, each the child of one of A's client spans.
    const runs = await remoteRuns(2);
    expect(runs.map((r) => r.traceId)).toEqual([traceId, traceId]);
    expect(runs.every((r) => r.parentIsRemote)).toBe(true);
    expect(new Set(runs.map((r) => r.parentSpanId))).toEqual(new Set(clients.map((c) => c.spanContext().spanId)));
    for (const r of runs) {
      expect(r.attributes).toMatchObject({ "flowlet.flow.name": "Answerer", "flowlet.run.status": "completed" });
      const below = remote.filter((s) => s.parentSpanId === r.spanId);
      expect(below.map((s) => s.name).sort()).toEqual(["chat fake-openai-model", "flowlet.node Answer"].sort());
      const chat = below.find((s) => s.name.startsWith("chat "))!;
      expect(chat.traceId).toBe(traceId);
      expect(chat.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 4,
      });
      expect(chat.attributes).not.toHaveProperty("gen_ai.input.messages");
      expect(chat.attributes).not.toHaveProperty("gen_ai.output.messages");
    }

    // Neither process recorded the question or the reply, nor a key.
    const everything = JSON.stringify([remote, local.map((s) => s.attributes)]);
    expect(everything).not.toContain("river");
    expect(everything).not.toContain("Reply to");
    expect(everything).not.toContain("fake-key");
  });

  it("a failed remote task marks A's client span and B's run span as errors, in one trace", async () => {
    remote.length = 0;
    const exporter = new InMemorySpanExporter();
    trace.disable();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const shared: Caller = { question: "fail, please", answers: [] };
    await expect(traceRun(new Flow<Caller>(ask("JSONRPC", "AskRpc"), { name: "Caller" }), shared)).rejects.toThrow(/out today/);
    const [client] = exporter.getFinishedSpans().filter((s) => s.name === "A2A SendMessage");
    expect(client!.status.code).toBe(2);
    expect(client!.attributes).toMatchObject({ "flowlet.a2a.task.state": "failed", "error.type": "A2ATaskError" });
    const [run] = await remoteRuns(1);
    expect(run!.parentSpanId).toBe(client!.spanContext().spanId);
    expect(run!.traceId).toBe(client!.spanContext().traceId);
    expect(run!.attributes).toMatchObject({ "flowlet.run.status": "failed" });
  });
});

function toMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Flow, Node, type NodeContext } from "flowlet";
// The official SDK's last v0.3 release, installed side by side with 1.x (an npm alias).
import type { AgentCard, Message, Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from "a2a-sdk-v03";
import { ClientFactory, ClientFactoryOptions, RestTransportFactory } from "a2a-sdk-v03/client";
import { type AgentExecutor, DefaultRequestHandler, InMemoryTaskStore } from "a2a-sdk-v03/server";
import { A2AExpressApp } from "a2a-sdk-v03/server/express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type A2AResult, type A2AServer, SendToAgent, emitText, serveA2A, withTextSink } from "../src/index.js";
import { gate } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };

class Shout extends Node<Shared, string, string> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override async exec(input: string) {
    for (const word of input.split(" ")) {
      emitText(`${word.toUpperCase()} `);
      await new Promise((resolve) => setTimeout(resolve, 60)); // past the batching interval: one update each
    }
    return input.toUpperCase();
  }
  override post(shared: Shared, _: string, output: string) {
    shared.output = output;
  }
}

let held = { started: gate(), aborted: false };
class Hold extends Node<Shared> {
  override async exec(_: unknown, ctx: NodeContext) {
    held.started.open();
    await new Promise<void>((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => {
        held.aborted = true;
        reject(ctx.signal.reason);
      });
    });
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  held = { started: gate(), aborted: false };
});

async function serve(flow: Flow<Shared>): Promise<A2AServer> {
  const server = await serveA2A(flow, { card: { name: "Both lines", description: "v1.0 and v0.3" } });
  closers.push(() => server.close());
  return server;
}

const v03message = (text: string, taskId?: string): Message => ({
  kind: "message",
  messageId: randomUUID(),
  role: "user",
  parts: [{ kind: "text", text }],
  taskId,
});
const textOf = (task: Task) =>
  (task.artifacts ?? [])
    .flatMap((a) => a.parts)
    .map((p) => (p.kind === "text" ? p.text : ""))
    .join("");

describe("serveA2A answers clients of the v0.3 line (official SDK 0.3.x)", () => {
  it("JSON-RPC: send, stream, get and cancel, with no stack traces logged", async () => {
    const errors = vi.spyOn(console, "error");
    const warnings = vi.spyOn(console, "warn");
    const server = await serve(new Flow(new Shout()));
    const client = await new ClientFactory().createFromUrl(server.url);
    expect((await client.getAgentCard()).protocolVersion).toBe("0.3");

    const sent = (await client.sendMessage({ message: v03message("hello world") })) as Task;
    expect(sent.kind).toBe("task");
    expect(sent.status.state).toBe("completed");
    expect(textOf(sent)).toBe("HELLO WORLD");

    const events: (Task | Message | TaskStatusUpdateEvent | TaskArtifactUpdateEvent)[] = [];
    for await (const event of client.sendMessageStream({ message: v03message("hi there") })) events.push(event);
    expect(events[0]?.kind).toBe("task");
    const deltas = events.flatMap((e) =>
      e.kind === "artifact-update" && !e.lastChunk ? [e.artifact.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")] : [],
    );
    expect(deltas).toEqual(["HI ", "THERE "]);
    const last = events.at(-1);
    expect(last?.kind === "status-update" && [last.status.state, last.final]).toEqual(["completed", true]);

    const got = await client.getTask({ id: sent.id });
    expect(textOf(got)).toBe("HELLO WORLD");
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    errors.mockRestore();
    warnings.mockRestore();
  });

  it("JSON-RPC: cancel aborts the running flow", async () => {
    const server = await serve(new Flow(new Hold()));
    const client = await new ClientFactory().createFromUrl(server.url);
    const stream = client.sendMessageStream({ message: v03message("doomed") });
    const first = (await stream.next()).value as Task;
    await held.started.opened;
    const canceled = await client.cancelTask({ id: first.id });
    expect(canceled.status.state).toBe("canceled");
    expect(held.aborted).toBe(true);
  });

  it("HTTP+JSON (REST): send and get", async () => {
    const server = await serve(new Flow(new Shout()));
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new RestTransportFactory()],
        preferredTransports: ["HTTP+JSON"],
      }),
    );
    const client = await factory.createFromUrl(server.url);
    const sent = (await client.sendMessage({ message: v03message("rest works") })) as Task;
    expect(textOf(sent)).toBe("REST WORKS");
    expect((await client.getTask({ id: sent.id })).status.state).toBe("completed");
  });
});

/** An agent built with the official SDK's v0.3 line alone, as a peer not yet migrated would run. */
async function v03Agent(executor: AgentExecutor) {
  const app = express();
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const card: AgentCard = {
    name: "v0.3 agent",
    description: "Built with @a2a-js/sdk 0.3",
    url,
    version: "1.0.0",
    protocolVersion: "0.3.0",
    preferredTransport: "JSONRPC",
    capabilities: { streaming: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "s", name: "s", description: "s", tags: [] }],
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  new A2AExpressApp(handler).setupRoutes(app);
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return url;
}

const status = (taskId: string, contextId: string, state: "working" | "completed" | "canceled", final: boolean): TaskStatusUpdateEvent => ({
  kind: "status-update",
  taskId,
  contextId,
  status: { state, timestamp: new Date().toISOString() },
  final,
});

describe("SendToAgent calls agents of the v0.3 line", () => {
  it("streams a v0.3 agent's deltas and saves its answer", async () => {
    const url = await v03Agent({
      async execute(ctx, bus) {
        const { taskId, contextId } = ctx;
        bus.publish({ kind: "task", id: taskId, contextId, status: { state: "submitted" }, history: [ctx.userMessage] });
        bus.publish(status(taskId, contextId, "working", false));
        const name = ctx.userMessage.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
        for (const [text, append] of [
          ["Hel", false],
          ["lo", true],
        ] as const) {
          bus.publish({
            kind: "artifact-update",
            taskId,
            contextId,
            artifact: { artifactId: "a", parts: [{ kind: "text", text }] },
            append,
          });
        }
        bus.publish({
          kind: "artifact-update",
          taskId,
          contextId,
          artifact: { artifactId: "a", parts: [{ kind: "text", text: `Hello, ${name}` }] },
          lastChunk: true,
        });
        bus.publish(status(taskId, contextId, "completed", true));
        bus.finished();
      },
      async cancelTask() {},
    });
    type S = { name: string; result?: A2AResult };
    const node = new SendToAgent<S>({
      url,
      message: (s) => s.name,
      save: (s, r) => {
        s.result = r;
      },
    });
    const shared: S = { name: "Ada" };
    const deltas: string[] = [];
    await withTextSink(
      (d) => deltas.push(d),
      () => new Flow(node).run(shared),
    );
    expect(shared.result).toMatchObject({ state: "completed", text: "Hello, Ada" });
    expect(deltas).toEqual(["Hel", "lo"]);
  });

  it("sends a v0.3 agent CancelTask when its flow is aborted", async () => {
    let canceled: string | undefined;
    const url = await v03Agent({
      async execute(ctx, bus) {
        bus.publish({ kind: "task", id: ctx.taskId, contextId: ctx.contextId, status: { state: "working" }, history: [ctx.userMessage] });
        held.started.open();
      },
      async cancelTask(taskId, bus) {
        canceled = taskId;
        bus.publish(status(taskId, "", "canceled", true));
        bus.finished();
      },
    });
    type S = { name: string };
    const node = new SendToAgent<S>({ url, message: (s) => s.name, save: () => {} });
    const abort = new AbortController();
    const run = new Flow(node).run({ name: "x" }, { signal: abort.signal });
    await held.started.opened;
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await expect(run).rejects.toThrow();
    expect(canceled).toMatch(/^[0-9a-f-]{36}$/);
  });
});

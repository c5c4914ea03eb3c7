import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentCard, type Message, type Part, Role, type Task, TaskState } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { UserBuilder, agentCardHandler, jsonRpcHandler } from "@a2a-js/sdk/server/express";
import express from "express";
import { Flow, Node, type NodeContext, NodeError } from "flowlet";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  A2ARequestError,
  A2ATaskError,
  type A2AResult,
  InteropConfigError,
  InteropTimeoutError,
  SendToAgent,
  emitText,
  serveA2A,
  withTextSink,
} from "../src/index.js";
import { connect, gate } from "./a2a-helpers.js";

/** An A2A agent built with the official SDK alone, as a third party would build one. */
async function sdkAgent(executor: AgentExecutor, streaming = true) {
  const app = express();
  const authorizations: (string | undefined)[] = [];
  app.use((req, _res, next) => {
    if (req.method === "POST") authorizations.push(req.get("authorization"));
    next();
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const card = AgentCard.fromJSON({
    name: "SDK agent",
    description: "Built with @a2a-js/sdk only",
    version: "1.0.0",
    supportedInterfaces: [{ url, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    capabilities: { streaming },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "s", name: "s", description: "s", tags: [] }],
  });
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: requestHandler }));
  app.use(jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, authorizations, server };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const text = (value: string): Part => ({ content: { $case: "text", value }, mediaType: "text/plain", filename: "", metadata: undefined });
const said = (m: Message) => m.parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
const reply = (ctx: RequestContext, value: string): Message => ({
  messageId: crypto.randomUUID(),
  taskId: ctx.taskId,
  contextId: ctx.contextId,
  role: Role.ROLE_AGENT,
  parts: [text(value)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});
const status = (ctx: RequestContext, state: TaskState, message?: Message) =>
  AgentEvent.statusUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    status: { state, message, timestamp: undefined },
    metadata: undefined,
  });
const artifact = (ctx: RequestContext, value: string, append: boolean, lastChunk: boolean) =>
  AgentEvent.artifactUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    artifact: { artifactId: "a1", name: "answer", description: "", parts: [text(value)], metadata: undefined, extensions: [] },
    append,
    lastChunk,
    metadata: undefined,
  });
const task = (ctx: RequestContext): Task =>
  ctx.task ?? {
    id: ctx.taskId,
    contextId: ctx.contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined },
    artifacts: [],
    history: [ctx.userMessage],
    metadata: undefined,
  };

/** Streams "Hel", "lo", then replaces them with the whole answer. */
const greeter: AgentExecutor = {
  async execute(ctx: RequestContext, bus: ExecutionEventBus) {
    bus.publish(AgentEvent.task(task(ctx)));
    bus.publish(status(ctx, TaskState.TASK_STATE_WORKING));
    bus.publish(artifact(ctx, "Hel", false, false));
    bus.publish(artifact(ctx, "lo", true, false));
    bus.publish(artifact(ctx, `Hello, ${said(ctx.userMessage)}`, false, true));
    bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
  },
  async cancelTask() {},
};

type Shared = { name: string; answer?: string; result?: A2AResult; taskId?: string };
const ask = (url: string, extra: Partial<ConstructorParameters<typeof SendToAgent<Shared>>[0]> = {}) =>
  new SendToAgent<Shared>({
    url,
    message: (shared) => shared.name,
    save: (shared, result) => {
      shared.answer = result.text;
      shared.result = result;
    },
    ...extra,
  });

describe("SendToAgent against an agent built with the official SDK", () => {
  it("sends, streams the agent's deltas through emitText, and saves the final text", async () => {
    const agent = await sdkAgent(greeter);
    const shared: Shared = { name: "Ada" };
    const deltas: string[] = [];
    await withTextSink(
      (d) => deltas.push(d),
      () => new Flow(ask(agent.url, { token: "tok-123" })).run(shared),
    );
    expect(shared.answer).toBe("Hello, Ada");
    expect(shared.result).toMatchObject({ state: "completed", data: [] });
    expect(shared.result?.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(agent.authorizations).toEqual(["Bearer tok-123"]);
  });

  it("takes the card's own URL as well as the agent's base URL", async () => {
    const agent = await sdkAgent(greeter);
    const shared: Shared = { name: "Bo" };
    await new Flow(ask(`${agent.url}.well-known/agent-card.json`)).run(shared);
    expect(shared.answer).toBe("Hello, Bo");
    expect(agent.authorizations).toEqual([undefined]);
  });

  it("works with an agent that does not stream", async () => {
    const agent = await sdkAgent(greeter, false);
    const shared: Shared = { name: "Cy" };
    const deltas: string[] = [];
    await withTextSink(
      (d) => deltas.push(d),
      () => new Flow(ask(agent.url)).run(shared),
    );
    expect(shared.answer).toBe("Hello, Cy");
    expect(deltas).toEqual(["Hello, Cy"]);
  });

  it("rejects a URL that is not absolute when the node is built", () => {
    expect(() => ask("agents/research")).toThrow(InteropConfigError);
  });

  it("says which agent it could not reach", async () => {
    const agent = await sdkAgent(greeter);
    const port = new URL(agent.url).port;
    await Promise.all(closers.splice(0).map((close) => close())); // the agent is gone
    const node = ask(agent.url);
    const error = await new Flow(node).run({ name: "x" }).catch((e: NodeError) => e.cause);
    expect(error).toBeInstanceOf(InteropConfigError);
    expect(String(error)).toMatch(
      new RegExp(`Could not load the A2A agent card from http://127\\.0\\.0\\.1:${port}/: .*Check the URL, and that the agent is running`),
    );
  });

  it("takes a bare message reply as a completed answer", async () => {
    const agent = await sdkAgent({
      async execute(ctx, bus) {
        bus.publish(AgentEvent.message(reply(ctx, `pong: ${said(ctx.userMessage)}`)));
      },
      async cancelTask() {},
    });
    const shared: Shared = { name: "ping" };
    await new Flow(ask(agent.url)).run(shared);
    expect(shared.answer).toBe("pong: ping");
    expect(shared.result?.state).toBe("completed");
  });

  it("throws A2ATaskError for a failed task, after its retries", async () => {
    let calls = 0;
    const agent = await sdkAgent({
      async execute(ctx, bus) {
        calls++;
        bus.publish(AgentEvent.task(task(ctx)));
        bus.publish(status(ctx, TaskState.TASK_STATE_FAILED, reply(ctx, "quota exceeded")));
      },
      async cancelTask() {},
    });
    const run = new Flow(ask(agent.url, { maxRetries: 2 })).run({ name: "x" });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    const cause = (error as NodeError).cause;
    expect(cause).toBeInstanceOf(A2ATaskError);
    expect(cause).toMatchObject({ state: "failed", text: "quota exceeded" });
    expect((cause as Error).message).toMatch(/ended "failed": quota exceeded/);
    expect(calls).toBe(2);
  });

  it("branches on input-required, then answers on the same task", async () => {
    const agent = await sdkAgent({
      async execute(ctx, bus) {
        bus.publish(AgentEvent.task(task(ctx)));
        if (!ctx.task) return bus.publish(status(ctx, TaskState.TASK_STATE_INPUT_REQUIRED, reply(ctx, "Which size?")));
        bus.publish(artifact(ctx, `size ${said(ctx.userMessage)}`, false, true));
        bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
      },
      async cancelTask() {},
    });
    const order = new SendToAgent<Shared>({
      url: agent.url,
      message: (s) => (s.taskId ? { text: s.name, taskId: s.taskId } : "a shirt"),
      save: (s, r) => {
        s.answer = r.text;
        if (r.state === "input-required") s.taskId = r.taskId;
      },
    });
    class AnswerM extends Node<Shared> {
      override post(s: Shared) {
        s.name = "M";
      }
    }
    order.on("input-required", new AnswerM()).next(order);
    order.next(new Node<Shared>({ name: "Done" }));
    const shared: Shared = { name: "" };
    await new Flow(order, { maxSteps: 5 }).run(shared);
    expect(shared.answer).toBe("size M");
  });

  it("reaches a flow served by serveA2A, tokens included", async () => {
    type Inner = { input: string; output?: string };
    class Reverse extends Node<Inner, string, string> {
      override prep(s: Inner) {
        return s.input;
      }
      override exec(input: string) {
        const out = [...input].reverse().join("");
        for (const ch of out) emitText(ch);
        return out;
      }
      override post(s: Inner, _: string, out: string) {
        s.output = out;
      }
    }
    const token = "a-token-of-sixteen-chars";
    const server = await serveA2A(new Flow(new Reverse()), { card: { name: "Reverser", description: "Reverses text" }, token });
    closers.push(() => server.close());
    const shared: Shared = { name: "abc" };
    const deltas: string[] = [];
    await withTextSink(
      (d) => deltas.push(d),
      () => new Flow(ask(server.cardUrl, { token })).run(shared),
    );
    expect(shared.answer).toBe("cba");
    // Deltas emitted in one tick are batched (deltas.intervalMs): the first goes out at once.
    expect(deltas.join("")).toBe("cba");
    expect(deltas[0]).toBe("c");

    const refused = await new Flow(ask(server.url)).run({ name: "x" }).catch((e: NodeError) => e.cause);
    expect(String(refused)).toMatch(/Missing bearer token/);
  });

  it("cancels the remote task when its flow is aborted: the remote flow sees its signal abort", async () => {
    const started = gate();
    let aborted = false;
    class Hold extends Node<{ input: string }> {
      override async exec(_: unknown, ctx: NodeContext) {
        started.open();
        await new Promise<void>((_resolve, reject) =>
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            reject(ctx.signal.reason);
          }),
        );
      }
    }
    const server = await serveA2A(new Flow(new Hold()), { card: { name: "Slow", description: "Never finishes" } });
    closers.push(() => server.close());
    const abort = new AbortController();
    const run = new Flow(ask(server.url)).run({ name: "x" }, { signal: abort.signal });
    await started.opened;
    abort.abort(new Error("the user gave up"));
    await expect(run).rejects.toThrow();
    expect(aborted).toBe(true);
    const client = await connect(server.url);
    const { tasks } = await client.listTasks({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined });
    expect(tasks.map((t) => t.status?.state)).toEqual([TaskState.TASK_STATE_CANCELED]);
  });

  it("gives up after timeoutMs with InteropTimeoutError, and cancels the remote task", async () => {
    let canceled = "";
    const stopped = gate();
    const agent = await sdkAgent({
      async execute(ctx, bus) {
        bus.publish(AgentEvent.task(task(ctx)));
        bus.publish(status(ctx, TaskState.TASK_STATE_WORKING));
        await stopped.opened; // and then nothing, until canceled
        bus.publish(status(ctx, TaskState.TASK_STATE_CANCELED));
      },
      async cancelTask(taskId) {
        canceled = taskId;
        stopped.open();
      },
    });
    const started = performance.now();
    const error = await new Flow(ask(agent.url, { timeoutMs: 300 })).run({ name: "x" }).catch((e: NodeError) => e.cause);
    expect(error).toBeInstanceOf(InteropTimeoutError);
    expect(String(error)).toMatch(/did not finish task [0-9a-f-]{36} within 300 ms; it was sent CancelTask/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(canceled).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a remote that dies mid-stream is an A2ARequestError naming the agent and the task", async () => {
    let agent: Awaited<ReturnType<typeof sdkAgent>> | undefined;
    agent = await sdkAgent({
      async execute(ctx, bus) {
        bus.publish(AgentEvent.task(task(ctx)));
        bus.publish(status(ctx, TaskState.TASK_STATE_WORKING));
        setTimeout(() => agent?.server.closeAllConnections(), 50); // the process "crashes"
        await new Promise(() => {});
      },
      async cancelTask() {},
    });
    const error = await new Flow(ask(agent.url)).run({ name: "x" }).catch((e: NodeError) => e.cause);
    expect(error).toBeInstanceOf(A2ARequestError);
    expect(String(error)).toMatch(/The agent at http:\/\/127\.0\.0\.1:\d+\/ dropped the connection mid-request \(task [0-9a-f-]{36}\)/);
    expect(String(error)).not.toMatch(/^TypeError/);
  });

  it("a remote that refuses the request is an A2ARequestError with its reason", async () => {
    const agent = await sdkAgent(greeter);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {}); // the SDK agent logs what it refuses
    const error = await new Flow(ask(agent.url))
      .run({ name: "x" })
      .then(() =>
        new Flow(
          new SendToAgent<Shared>({ url: agent.url, message: () => ({ text: "again", taskId: "no-such-task" }), save: () => {} }),
        ).run({ name: "x" }),
      )
      .catch((e: NodeError) => e.cause);
    expect(error).toBeInstanceOf(A2ARequestError);
    expect(String(error)).toMatch(/refused the request \(task no-such-task\): .*not found/i);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/Pre-stream error/);
    logged.mockRestore();
  });
});

import { Flow, MemorySaver, Node, type NodeContext } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { type A2AServer, emitText, serveA2A } from "../src/index.js";
import { TaskState, artifactText, asTask, connect, gate, rawPost, request, statusText } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };

/** Streams the upper-cased words as deltas, then stores them. */
class Shout extends Node<Shared, string, string> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override async exec(input: string) {
    for (const word of input.split(" ")) {
      emitText(`${word.toUpperCase()} `);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return input.toUpperCase();
  }
  override post(shared: Shared, _input: string, output: string) {
    shared.output = output;
  }
}

class Exclaim extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `${shared.output}!`;
  }
}

function shoutFlow() {
  const shout = new Shout();
  shout.next(new Exclaim());
  return new Flow(shout, { name: "Shouter" });
}

/** Holds until the test opens `release`, or the run is aborted; records what it saw. */
let held = { started: gate(), release: gate(), aborted: false };
class Hold extends Node<Shared> {
  override async exec(_: unknown, ctx: NodeContext) {
    held.started.open();
    await new Promise<void>((resolve, reject) => {
      held.release.opened.then(resolve);
      ctx.signal.addEventListener("abort", () => {
        held.aborted = true;
        reject(ctx.signal.reason);
      });
    });
  }
  override post(shared: Shared) {
    shared.output = "released";
  }
}

class Fail extends Node<Shared> {
  override exec(): never {
    throw new Error("the tool is broken");
  }
}

/** Asks a question through ctx.interrupt, then uses the answer. */
class Confirm extends Node<Shared, string, string> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override exec(input: string, ctx: NodeContext) {
    const answer = ctx.interrupt<string>({ question: `Ship "${input}"?` });
    return `${input}: ${answer}`;
  }
  override post(shared: Shared, _input: string, output: string) {
    shared.output = output;
  }
}

const card = { name: "Shouter", description: "Shouts back what it is told." };
const servers: A2AServer[] = [];
async function serve(flow: Flow<Shared>, options: Partial<Parameters<typeof serveA2A<Shared>>[1]> = {}) {
  const server = await serveA2A(flow, { card, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  held.release.open();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  held = { started: gate(), release: gate(), aborted: false };
});

describe("serveA2A with the official @a2a-js/sdk client", () => {
  it("serves the agent card at the well-known path, bound to 127.0.0.1", async () => {
    const server = await serve(shoutFlow());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const cardJson = await (await fetch(server.cardUrl, { headers: { "A2A-Version": "1.0" } })).json();
    expect(server.cardUrl).toBe(`${server.url}.well-known/agent-card.json`);
    expect(server.restUrl).toBe(`${server.url}rest`);
    expect(cardJson.name).toBe("Shouter");
    expect(cardJson.capabilities.streaming).toBe(true);
    // Both bindings, each on both protocol lines.
    expect(cardJson.supportedInterfaces).toEqual([
      { url: server.url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url: server.restUrl, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      { url: server.url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      { url: server.restUrl, protocolBinding: "HTTP+JSON", protocolVersion: "0.3" },
    ]);
    expect(cardJson.securitySchemes ?? {}).toEqual({});
    // Without an A2A-Version header a client is on v0.3 (spec §3.6.2): it gets the v0.3 card.
    const legacy = await (await fetch(server.cardUrl)).json();
    expect(legacy).toMatchObject({ url: server.url, preferredTransport: "JSONRPC", protocolVersion: "0.3" });
  });

  it("send: runs the flow and answers with a completed task carrying the result artifact", async () => {
    const server = await serve(shoutFlow());
    const client = await connect(server.url);
    const task = asTask(await client.sendMessage(request("hello world")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts).toHaveLength(1);
    expect(artifactText(task)).toBe("HELLO WORLD!");
    // A finished task cannot be canceled: the SDK's TaskNotCancelable error (-32002).
    await expect(client.cancelTask({ tenant: "", id: task.id, metadata: undefined })).rejects.toThrow(/not cancelable/i);
  });

  it("stream: a status update per finished node, token deltas, then the final artifact", async () => {
    const server = await serve(shoutFlow());
    const client = await connect(server.url);
    const events = [];
    for await (const event of client.sendMessageStream(request("hi there"))) events.push(event.payload);
    expect(events[0]?.$case).toBe("task");

    const deltas = events.flatMap((e) => (e?.$case === "artifactUpdate" && !e.value.lastChunk ? [e.value] : []));
    expect(deltas.map((d) => d.artifact?.parts[0]?.content?.value)).toEqual(["HI ", "THERE "]);
    expect(deltas.map((d) => d.append)).toEqual([false, true]);

    const nodes = events.flatMap((e) =>
      e?.$case === "statusUpdate" && e.value.status?.message ? [e.value.status.message.metadata?.flowlet] : [],
    );
    expect(nodes.map((n) => [n.path, n.action])).toEqual([
      ["Shouter/Shout", "default"],
      ["Shouter/Exclaim", "default"],
    ]);
    expect(typeof nodes[0].durationMs).toBe("number");

    const last = events.at(-1);
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const final = events.at(-2);
    expect(final?.$case).toBe("artifactUpdate");
    if (final?.$case !== "artifactUpdate") return;
    expect(final.value).toMatchObject({ append: false, lastChunk: true });
    expect(final.value.artifact?.parts[0]?.content).toEqual({ $case: "text", value: "HI THERE!" });

    // Deltas were replaced by the final value, not appended to it.
    const taskId = events[0]?.$case === "task" ? events[0].value.id : "";
    const stored = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
    expect(artifactText(stored)).toBe("HI THERE!");
  });

  it("get: a task sent with returnImmediately is working, then completed", async () => {
    const server = await serve(new Flow(new Hold()));
    const client = await connect(server.url);
    const task = asTask(await client.sendMessage(request("x", {}, true)));
    await held.started.opened;
    const running = await client.getTask({ tenant: "", id: task.id, historyLength: undefined });
    expect(running.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(running.history[0]?.parts[0]?.content).toEqual({ $case: "text", value: "x" });

    held.release.open();
    let done = running;
    while (done.status?.state === TaskState.TASK_STATE_WORKING) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      done = await client.getTask({ tenant: "", id: task.id, historyLength: undefined });
    }
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(done)).toBe("released");
  });

  it("a running flow does not hold up other requests", async () => {
    const server = await serve(new Flow(new Hold()));
    const client = await connect(server.url);
    const first = client.sendMessage(request("slow"));
    await held.started.opened;
    // While the first run is parked, the server answers the card and a whole second send.
    expect((await fetch(server.cardUrl)).status).toBe(200);
    const fast = await serve(shoutFlow());
    const second = asTask(await (await connect(fast.url)).sendMessage(request("quick")));
    expect(artifactText(second)).toBe("QUICK!");
    const got = await rawPost(server.url, JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ListTasks", params: {} }));
    expect(got.json?.result).toMatchObject({ totalSize: 1 });
    held.release.open();
    expect(artifactText(asTask(await first))).toBe("released");
  });

  it("cancel: aborts the run through its signal and the task ends canceled", async () => {
    const server = await serve(new Flow(new Hold()));
    const client = await connect(server.url);
    const stream = client.sendMessageStream(request("doomed"));
    const first = await stream.next();
    const taskId = first.value?.payload?.$case === "task" ? first.value.payload.value.id : "";
    await held.started.opened;

    const canceled = await client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(held.aborted).toBe(true);

    const rest = [];
    for await (const event of stream) rest.push(event.payload);
    const last = rest.at(-1);
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const stored = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(stored.artifacts).toEqual([]);
    // Canceling again is a no-op that reports the same state.
    const again = await client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    expect(again.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("a failing flow ends its task failed, with the error's message", async () => {
    const server = await serve(new Flow(new Fail()));
    const client = await connect(server.url);
    const task = asTask(await client.sendMessage(request("x")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(statusText(task)).toContain("the tool is broken");
  });

  it("input-required: ctx.interrupt parks the task, the next message on it resumes the run", async () => {
    const server = await serve(new Flow(new Confirm()), { checkpoint: new MemorySaver() });
    expect(server.inputRequired).toBe(true);
    const client = await connect(server.url);
    const asked = asTask(await client.sendMessage(request("v2")));
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(JSON.parse(statusText(asked))).toEqual({ question: 'Ship "v2"?' });
    expect(asked.status?.message?.parts[1]?.content).toEqual({ $case: "data", value: { question: 'Ship "v2"?' } });

    const answered = asTask(await client.sendMessage(request("yes", { taskId: asked.id, contextId: asked.contextId })));
    expect(answered.id).toBe(asked.id);
    expect(answered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(answered)).toBe("v2: yes");
  });

  it("input-required: a parked task can be canceled, and its run is marked canceled in the saver", async () => {
    const checkpoint = new MemorySaver();
    const server = await serve(new Flow(new Confirm()), { checkpoint });
    const client = await connect(server.url);
    const asked = asTask(await client.sendMessage(request("v3")));
    expect((await checkpoint.run(asked.id))?.status).toBe("interrupted");
    const canceled = await client.cancelTask({ tenant: "", id: asked.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(await checkpoint.run(asked.id)).toMatchObject({
      status: "canceled",
      error: { name: "TaskCanceled", message: `Task ${asked.id} was canceled.` },
    });
    await expect(client.sendMessage(request("yes", { taskId: asked.id }))).rejects.toThrow(/terminal state/);
  });

  it("without a checkpoint saver, an interrupt fails the task with advice", async () => {
    const server = await serve(new Flow(new Confirm()));
    expect(server.inputRequired).toBe(false);
    const task = asTask(await (await connect(server.url)).sendMessage(request("v4")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(statusText(task)).toContain("checkpoint: new MemorySaver()");
  });
});

import { connect as connectSocket } from "node:net";
import { ClientFactory, ClientFactoryOptions, RestTransportFactory } from "@a2a-js/sdk/client";
import { Flow, Node, type NodeContext } from "flowlet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type A2AServer, MemoryTaskStore, serveA2A } from "../src/index.js";
import { TaskState, artifactText, asTask, connect, gate, rawPost, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };

/** Holds until the test opens `release` (or the run is aborted), then echoes its input. */
let held = { started: gate(), release: gate() };
class Hold extends Node<Shared> {
  override async exec(_: unknown, ctx: NodeContext) {
    held.started.open();
    await new Promise<void>((resolve, reject) => {
      held.release.opened.then(resolve);
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
    });
  }
  override post(shared: Shared) {
    shared.output = `done: ${shared.input}`;
  }
}

class Echo extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `echo: ${shared.input}`;
  }
}

const card = { name: "Hardened", description: "Tests the edges." };
const servers: A2AServer[] = [];
async function serve(flow: Flow<Shared>, options: Partial<Parameters<typeof serveA2A<Shared>>[1]> = {}) {
  const server = await serveA2A(flow, { card, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  held.release.open();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  held = { started: gate(), release: gate() };
});

describe("a second message to a task that is still running", () => {
  it("is refused with a clear error, and the running task's stream and state are untouched", async () => {
    const server = await serve(new Flow(new Hold()));
    const client = await connect(server.url);
    const stream = client.sendMessageStream(request("first"));
    const first = await stream.next();
    const task = first.value?.payload?.$case === "task" ? first.value.payload.value : undefined;
    if (!task) throw new Error("expected the task first");
    await held.started.opened;

    const again = request("second", { taskId: task.id, contextId: task.contextId });
    await expect(client.sendMessage(again)).rejects.toThrow(/still working and takes no message/);
    // The SDK logs a streaming request it refuses before the first event; captured here, not printed.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const streamed = client.sendMessageStream(request("third", { taskId: task.id }));
    await expect(streamed.next()).rejects.toThrow(/still working/);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/Pre-stream error/);
    logged.mockRestore();

    held.release.open();
    const rest = [];
    for await (const event of stream) rest.push(event.payload);
    const last = rest.at(-1);
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const stored = await client.getTask({ tenant: "", id: task.id, historyLength: undefined });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(stored)).toBe("done: first");
    // The refused messages never reached the task's history.
    expect(stored.history.filter((m) => m.role === 1).map((m) => m.parts[0]?.content?.value)).toEqual(["first"]);
  });
});

describe("the task store", () => {
  it("is bounded: past maxTasks the oldest finished task is forgotten, and GetTask says not found", async () => {
    const store = new MemoryTaskStore({ maxTasks: 3 });
    const server = await serve(new Flow(new Echo()), { taskStore: store });
    const client = await connect(server.url);
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push(asTask(await client.sendMessage(request(`m${n}`))).id);
    expect(store.size).toBe(3);
    await expect(client.getTask({ tenant: "", id: ids[0] as string, historyLength: undefined })).rejects.toThrow(/not found/i);
    expect(artifactText(await client.getTask({ tenant: "", id: ids[4] as string, historyLength: undefined }))).toBe("echo: m5");
  });

  it("forgets a task ttlMs after its last update", async () => {
    const server = await serve(new Flow(new Echo()), { tasks: { ttlMs: 150 } });
    const client = await connect(server.url);
    const task = asTask(await client.sendMessage(request("brief")));
    expect((await client.getTask({ tenant: "", id: task.id, historyLength: undefined })).id).toBe(task.id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expect(client.getTask({ tenant: "", id: task.id, historyLength: undefined })).rejects.toThrow(/not found/i);
  });

  it("refuses bad limits before listening", async () => {
    await expect(serveA2A(new Flow(new Echo()), { card, tasks: { maxTasks: 0 } })).rejects.toThrow(/maxTasks must be a positive integer/);
    await expect(serveA2A(new Flow(new Echo()), { card, taskStore: new MemoryTaskStore(), tasks: {} })).rejects.toThrow(
      /either taskStore or tasks/,
    );
  });
});

describe("the card of a server bound to 0.0.0.0", () => {
  it("names the host the client used, never 0.0.0.0", async () => {
    const server = await serve(new Flow(new Echo()), { host: "0.0.0.0", token: "a-token-of-sixteen-chars" });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const v1 = { "A2A-Version": "1.0" };
    const direct = await (await fetch(server.cardUrl, { headers: v1 })).json();
    expect(direct.supportedInterfaces[0].url).toBe(`http://127.0.0.1:${server.port}/`);
    const named = await (await fetch(`http://localhost:${server.port}/.well-known/agent-card.json`, { headers: v1 })).json();
    expect(named.supportedInterfaces.map((i: { url: string }) => i.url)).not.toContain(`http://0.0.0.0:${server.port}/`);
    expect(named.supportedInterfaces[0].url).toBe(`http://localhost:${server.port}/`);
    const legacy = await (await fetch(`http://localhost:${server.port}/.well-known/agent-card.json`)).json();
    expect(legacy.url).toBe(`http://localhost:${server.port}/`);
  });
});

describe("the HTTP+JSON (REST) binding", () => {
  it("serves the official client's REST transport: send, stream, get", async () => {
    const server = await serve(new Flow(new Echo()));
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new RestTransportFactory()],
        preferredTransports: ["HTTP+JSON"],
      }),
    );
    const client = await factory.createFromUrl(server.url);
    const task = asTask(await client.sendMessage(request("over rest")));
    expect(artifactText(task)).toBe("echo: over rest");
    const events = [];
    for await (const event of client.sendMessageStream(request("streamed"))) events.push(event.payload?.$case);
    expect(events[0]).toBe("task");
    expect(events.at(-1)).toBe("statusUpdate");
    const got = await client.getTask({ tenant: "", id: task.id, historyLength: undefined });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // The REST endpoint is at restUrl, and HTTP+JSON's own paths.
    const raw = await fetch(`${server.restUrl}/tasks/${task.id}`, { headers: { "A2A-Version": "1.0" } });
    expect(raw.status).toBe(200);
    expect((await raw.json()).id).toBe(task.id);
  });
});

describe("server limits", () => {
  it("cuts off a client that trickles its body (slow loris) after requestTimeoutMs", async () => {
    const server = await serve(new Flow(new Echo()), { requestTimeoutMs: 500 });
    const started = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connectSocket(server.port, "127.0.0.1");
      let got = "";
      socket.on("data", (chunk) => {
        got += chunk;
      });
      socket.on("close", () => resolve(got));
      socket.on("error", reject);
      socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      const drip = setInterval(() => socket.writable && socket.write(" "), 100);
      socket.on("close", () => clearInterval(drip));
    });
    const tookMs = performance.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(tookMs).toBeLessThan(5_000); // Node's default would hold it for 300 s
  });

  it("refuses connections past maxConnections", async () => {
    const server = await serve(new Flow(new Echo()), { maxConnections: 2 });
    const open = (): Promise<{ closedEarly: boolean; end: () => void }> =>
      new Promise((resolve) => {
        const socket = connectSocket(server.port, "127.0.0.1");
        const timer = setTimeout(() => resolve({ closedEarly: false, end: () => socket.destroy() }), 300);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve({ closedEarly: true, end: () => {} });
        });
        socket.on("error", () => {});
      });
    const [a, b] = await Promise.all([open(), open()]);
    const c = await open();
    expect([a.closedEarly, b.closedEarly, c.closedEarly]).toEqual([false, false, true]);
    a.end();
    b.end();
  });

  it("refuses bad limits before listening", async () => {
    await expect(serveA2A(new Flow(new Echo()), { card, requestTimeoutMs: -1 })).rejects.toThrow(/requestTimeoutMs must be/);
    await expect(serveA2A(new Flow(new Echo()), { card, maxConnections: 1.5 })).rejects.toThrow(/maxConnections must be/);
  });
});

describe("small edges", () => {
  it("a null body is an invalid request (-32600), not a parse error", async () => {
    const server = await serve(new Flow(new Echo()));
    expect((await rawPost(server.url, "null")).json?.error?.code).toBe(-32600);
  });

  it("deep nesting is refused with -32600, never a stack overflow message", async () => {
    const server = await serve(new Flow(new Echo()));
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const body = `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"metadata":{"x":${deep}}}}}`;
    const response = await rawPost(server.url, body);
    expect(response.status).toBe(400);
    expect(response.json?.error).toMatchObject({ code: -32600, message: expect.stringMatching(/nested more than 100 levels/) });
    expect(response.text).not.toMatch(/call stack/i);
  });

  it("an unsupported A2A-Version gets -32009, without a stack trace in the server's log", async () => {
    const server = await serve(new Flow(new Echo()));
    const errors = vi.spyOn(console, "error");
    try {
      const response = await rawPost(server.url, JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tasks/get", params: { id: "x" } }), {
        "A2A-Version": "0.2",
      });
      expect(response.json).toMatchObject({ id: 4, error: { code: -32009, message: expect.stringMatching(/speaks 1.0 and 0.3/) } });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it("unknown paths get a JSON 404, not express's HTML page", async () => {
    const server = await serve(new Flow(new Echo()));
    const response = await fetch(new URL("nowhere", server.url));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect((await response.json()).error.message).toMatch(/Nothing at GET \/nowhere: this A2A agent answers JSON-RPC at POST \//);
  });
});

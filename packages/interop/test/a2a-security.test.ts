import { request as httpRequest } from "node:http";
import { Flow, Node } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type A2AServer, InteropConfigError, serveA2A } from "../src/index.js";
import { TaskState, artifactText, asTask, connect, rawPost, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };
class Echo extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `echo: ${shared.input}`;
  }
}
const card = { name: "Echo", description: "Says it back." };

/** A request with a chosen Host header, which fetch will not send. */
function withHost(url: string, host: string, method: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { Host: host, "Content-Type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}
const TOKEN = "s3cret-token-for-tests-0123456789";

describe("serveA2A refuses unsafe setups", () => {
  it("will not bind beyond loopback without a token", async () => {
    await expect(serveA2A(new Flow(new Echo()), { card, host: "0.0.0.0" })).rejects.toThrow(InteropConfigError);
    await expect(serveA2A(new Flow(new Echo()), { card, host: "0.0.0.0" })).rejects.toThrow(/without a token/);
  });

  it("rejects a short token and a nonsense body limit", async () => {
    await expect(serveA2A(new Flow(new Echo()), { card, token: "short" })).rejects.toThrow(/at least 16 characters/);
    await expect(serveA2A(new Flow(new Echo()), { card, maxBodyBytes: -1 })).rejects.toThrow(InteropConfigError);
  });

  it("lets a token-guarded server past the check for other addresses", async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the guard passes, listening fails.
    const attempt = serveA2A(new Flow(new Echo()), { card, host: "192.0.2.1", token: TOKEN });
    await expect(attempt).rejects.toThrow(InteropConfigError);
    await expect(attempt).rejects.toThrow(/could not listen/);
  });

  it("advertises publicUrl in the card and accepts its host name", async () => {
    const server = await serveA2A(new Flow(new Echo()), { card, publicUrl: "http://agents.internal:8080/" });
    try {
      const response = await withHost(`http://127.0.0.1:${server.port}/.well-known/agent-card.json`, "agents.internal:8080", "GET");
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).supportedInterfaces[0].url).toBe("http://agents.internal:8080/");
      expect(server.cardUrl).toBe("http://agents.internal:8080/.well-known/agent-card.json");
    } finally {
      await server.close();
    }
  });

  it("says clearly when the port is taken", async () => {
    const first = await serveA2A(new Flow(new Echo()), { card });
    try {
      await expect(serveA2A(new Flow(new Echo()), { card, port: first.port })).rejects.toThrow(/Port \d+ on 127\.0\.0\.1 is taken/);
    } finally {
      await first.close();
    }
  });
});

describe("serveA2A with a bearer token", () => {
  let server: A2AServer;
  beforeAll(async () => {
    server = await serveA2A(new Flow(new Echo()), { card, token: TOKEN });
  });
  afterAll(() => server.close());

  it("keeps the card public and declares the bearer scheme in it", async () => {
    const cardJson = await (await fetch(server.cardUrl, { headers: { "A2A-Version": "1.0" } })).json();
    expect(cardJson.securitySchemes).toEqual({ bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } });
    expect(cardJson.securityRequirements).toHaveLength(1);
    // The v0.3 card (no A2A-Version header) declares it in v0.3's words.
    const legacy = await (await fetch(server.cardUrl)).json();
    expect(legacy.securitySchemes).toEqual({ bearer: { type: "http", scheme: "Bearer" } });
  });

  it("answers a missing token with 401 and a JSON-RPC error", async () => {
    const response = await rawPost(server.url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ListTasks", params: {} }));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    // -32000 (server error), not -32600: clients read -32600 as a malformed request.
    expect(response.json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32000 } });
    expect(response.json?.error?.message).toMatch(/Missing bearer token/);
  });

  it("answers a wrong token with 401, without echoing it", async () => {
    const response = await rawPost(server.url, "{}", { Authorization: "Bearer not-the-token" });
    expect(response.status).toBe(401);
    expect(response.json?.error?.message).toBe("Invalid bearer token.");
    expect(response.text).not.toContain("not-the-token");
  });

  it("the official client fails without the token and works with it", async () => {
    const client = await connect(server.url);
    await expect(client.sendMessage(request("hi"))).rejects.toThrow(/Missing bearer token/);
    const auth = { serviceParameters: { Authorization: `Bearer ${TOKEN}` } };
    const task = asTask(await client.sendMessage(request("hi"), auth));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(task)).toBe("echo: hi");
  });
});

describe("serveA2A against malformed and oversized requests", () => {
  let server: A2AServer;
  beforeAll(async () => {
    server = await serveA2A(new Flow(new Echo()), { card, maxBodyBytes: 2048 });
  });
  afterAll(() => server.close());

  const cases: [string, string, number][] = [
    ["invalid JSON", '{"jsonrpc": "2.0", "id": 1, "method": ', -32700],
    ["a JSON value that is no request", "[1, 2, 3]", -32600],
    ["a request without a method", '{"jsonrpc": "2.0", "id": 2}', -32600],
    ["the wrong jsonrpc version", '{"jsonrpc": "1.0", "id": 3, "method": "GetTask", "params": {"id": "x"}}', -32600],
    ["an unknown method", '{"jsonrpc": "2.0", "id": 4, "method": "tasks/send", "params": {}}', -32601],
    ["params that are not an object", '{"jsonrpc": "2.0", "id": 5, "method": "GetTask", "params": 7}', -32602],
    ["a send without a message", '{"jsonrpc": "2.0", "id": 6, "method": "SendMessage", "params": {}}', -32602],
    ["an unknown task", '{"jsonrpc": "2.0", "id": 7, "method": "GetTask", "params": {"id": "no-such-task"}}', -32001],
  ];
  for (const [what, body, code] of cases) {
    it(`answers ${what} with JSON-RPC error ${code}`, async () => {
      const response = await rawPost(server.url, body);
      expect(response.json?.error?.code, response.text).toBe(code);
      expect(response.text).not.toMatch(/at \w+ \(/); // no stack trace
    });
  }

  it("answers an oversized body with 413 and a JSON-RPC error, and keeps serving", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "SendMessage", params: { padding: "x".repeat(4096) } });
    const response = await rawPost(server.url, big);
    expect(response.status).toBe(413);
    expect(response.json?.error).toEqual({ code: -32600, message: "Request body exceeds the server's limit of 2048 bytes." });

    const task = asTask(await (await connect(server.url)).sendMessage(request("still here")));
    expect(artifactText(task)).toBe("echo: still here");
  });

  it("refuses a foreign Host header (DNS rebinding) with 403", async () => {
    expect((await withHost(server.url, "evil.example", "POST")).status).toBe(403);
    expect((await withHost(server.cardUrl, "evil.example", "GET")).status).toBe(403);
  });

  it("answers a non-JSON content type with a JSON-RPC error", async () => {
    const response = await fetch(server.url, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "hello" });
    expect((await response.json()).error.code).toBe(-32005);
  });
});

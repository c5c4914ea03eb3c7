import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Flow, Node } from "flowlet";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { type A2AServer, serveA2A } from "../src/index.js";
import { TaskState, asTask, connect, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };
class Echo extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `echo: ${shared.input}`;
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A webhook receiver on loopback: records what the agent POSTs. */
async function receiver() {
  const received: { token: string | undefined; body: { statusUpdate?: { status?: { state?: string } }; task?: unknown } }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      received.push({ token: req.headers["x-a2a-notification-token"] as string | undefined, body: JSON.parse(text) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function serve(options: Partial<Parameters<typeof serveA2A<Shared>>[1]> = {}): Promise<A2AServer> {
  const server = await serveA2A(new Flow(new Echo()), { card: { name: "Pusher", description: "Calls back" }, ...options });
  closers.push(() => server.close());
  return server;
}

describe("push notifications", () => {
  it("are off by default: the card says so", async () => {
    const server = await serve();
    const card = await (await fetch(server.cardUrl, { headers: { "A2A-Version": "1.0" } })).json();
    expect(card.capabilities.pushNotifications ?? false).toBe(false);
  });

  it("POST the task's updates to an allowed webhook, token included", async () => {
    // The SDK's sender logs each delivery to stdout; the test reads the webhook instead.
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    onTestFinished(() => info.mockRestore());
    const hook = await receiver();
    const server = await serve({ pushNotifications: { allowedHosts: ["127.0.0.1"] } });
    const card = await (await fetch(server.cardUrl, { headers: { "A2A-Version": "1.0" } })).json();
    expect(card.capabilities.pushNotifications).toBe(true);
    const client = await connect(server.url);
    const push = { tenant: "", id: "", taskId: "", url: hook.url, token: "hook-secret", authentication: undefined };
    const sent = request("ping");
    sent.configuration = { acceptedOutputModes: [], taskPushNotificationConfig: push, returnImmediately: false };
    const task = asTask(await client.sendMessage(sent));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    for (let i = 0; i < 200 && !hook.received.some((r) => r.body.statusUpdate?.status?.state === "TASK_STATE_COMPLETED"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(hook.received.map((r) => r.body.statusUpdate?.status?.state).filter(Boolean)).toContain("TASK_STATE_COMPLETED");
    expect(hook.received.every((r) => r.token === "hook-secret")).toBe(true);
    // The SDK logs a delivery only after the webhook has answered: keep the spy until every one is logged.
    const logged = () => info.mock.calls.filter((call) => String(call[0]).includes("Push notification sent")).length;
    for (let i = 0; i < 200 && logged() < hook.received.length; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logged()).toBe(hook.received.length);
  });

  it("refuse a webhook on a host that is not allowed", async () => {
    const server = await serve({ pushNotifications: { allowedHosts: ["hooks.example.com"] } });
    const client = await connect(server.url);
    const sent = request("ping");
    const push = { tenant: "", id: "", taskId: "", url: "http://169.254.169.254/latest/meta-data", token: "", authentication: undefined };
    sent.configuration = { acceptedOutputModes: [], taskPushNotificationConfig: push, returnImmediately: false };
    await expect(client.sendMessage(sent)).rejects.toThrow(/Push notifications to 169\.254\.169\.254 are not allowed by this agent/);
  });

  it("refuse an empty allow-list before listening", async () => {
    await expect(serve({ pushNotifications: { allowedHosts: [] } })).rejects.toThrow(/allowedHosts must list at least one host/);
  });
});

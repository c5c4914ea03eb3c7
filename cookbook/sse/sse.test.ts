import type { Server } from "node:http";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listen, sseServer } from "./server.js";

let fake: FakeLLM;
let server: Server;
let url: string;
let done: string[];
beforeEach(async () => {
  fake = await startFakeLLM();
  done = [];
  const llm = createLLM({ provider: "openai", baseURL: fake.config.baseURL, apiKey: fake.config.apiKey, model: fake.config.model });
  server = sseServer(llm, { onDone: (how) => void done.push(how) });
  url = await listen(server);
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fake.close();
});

/** Reads Server-Sent Events from a fetch response, as a browser's EventSource would. */
async function* sse(response: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    for (let end = text.indexOf("\n\n"); end !== -1; end = text.indexOf("\n\n")) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const field = (name: string) =>
        block
          .split("\n")
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      yield { event: field("event") ?? "message", data: JSON.parse(field("data") ?? "null") };
    }
  }
}

describe("SSE server (real HTTP on 127.0.0.1)", () => {
  it("serves the page, and streams a run's events as they happen", async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('new EventSource("/ask?q="');

    fake.enqueue({ text: "Blue light scatters most. THE END", stream: { pauseMs: 40 } });
    const response = await fetch(`${url}/ask?q=${encodeURIComponent("Why is the sky blue?")}`);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const seen: string[] = [];
    let tokens = "";
    for await (const { event, data } of sse(response)) {
      seen.push(event);
      if (event === "custom") {
        tokens += (data as { data: { token: string } }).data.token;
        // Live: the first token arrives while the LLM has not sent the rest yet.
        if (tokens === "Blue") expect(fake.requests).toHaveLength(1);
      }
      if (event === "end") expect(data).toEqual({ type: "end", result: { status: "completed", action: "default" } });
    }
    expect(tokens).toBe("Blue light scatters most. THE END");
    expect(seen.filter((e) => e !== "custom")).toEqual(["nodeStart", "nodeStart", "nodeEnd", "nodeStart", "nodeEnd", "nodeEnd", "end"]);
  });

  it("stops the run when the client disconnects, long before the reply would have ended", async () => {
    fake.enqueue({ text: `${"word ".repeat(200)}THE END`, stream: { pauseMs: 30 } }); // about 6 s of tokens
    const controller = new AbortController();
    const started = performance.now();
    const response = await fetch(`${url}/ask?q=long`, { signal: controller.signal });
    for await (const { event } of sse(response)) if (event === "custom") break;
    controller.abort();
    await expect.poll(() => done, { timeout: 3000 }).toEqual(["disconnected"]);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(fake.requests).toHaveLength(1);
  });
});

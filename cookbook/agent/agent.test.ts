import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { MaxStepsExceededError } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAgentFlow } from "./flow.js";
import { LocalDocsSearch } from "./local-search.js";
import type { AgentStore } from "./nodes.js";
import { SearxngSearch, WebSearchError } from "./searxng.js";

const docs = new LocalDocsSearch(fileURLToPath(new URL("./docs", import.meta.url)));
const yaml = (body: string) => `\`\`\`yaml\n${body}\n\`\`\``;

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

/** A SearXNG stand-in over real HTTP, answering in its documented JSON format. */
async function startSearxng(
  reply: (url: URL) => { status: number; body: unknown },
): Promise<{ url: string; queries: URL[]; server: Server }> {
  const queries: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    queries.push(url);
    const { status, body } = reply(url);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, server };
}

describe("research agent", () => {
  it("searches the local documents, then answers from what it found", async () => {
    fake.enqueue(
      yaml("action: search\nreason: I need to know who programmed the engine\nquery: first program Analytical Engine"),
      yaml("action: answer\nreason: the notes say Ada Lovelace, 1843"),
      "Ada Lovelace, in 1843 [ada-lovelace.md].",
    );
    const shared: AgentStore = { question: "Who wrote the first program for the Analytical Engine?", searches: [] };
    await createAgentFlow(createLLM(fake.config), docs).run(shared);

    expect(shared.searches).toHaveLength(1);
    expect(shared.searches[0]!.query).toBe("first program Analytical Engine");
    expect(shared.searches[0]!.hits[0]).toMatchObject({ source: "ada-lovelace.md", title: "Ada Lovelace" });
    expect(shared.searches[0]!.hits[0]!.snippet).toContain("first published computer program");
    // The second decision and the answer were made with the search results in the prompt.
    expect(fake.requests[1]!.lastUserText).toContain("Note G describes an algorithm");
    expect(fake.requests[2]!.lastUserText).toContain("[ada-lovelace.md]");
    expect(shared.answer).toBe("Ada Lovelace, in 1843 [ada-lovelace.md].");
  });

  it("stops a model that never stops searching with the maxSteps loop guard", async () => {
    fake.respond(() => yaml("action: search\nreason: more\nquery: Grace Hopper compiler"));
    const shared: AgentStore = { question: "?", searches: [] };
    await expect(createAgentFlow(createLLM(fake.config), docs, 5).run(shared)).rejects.toBeInstanceOf(MaxStepsExceededError);
    // Decide, Search, Decide, Search, Decide: five steps, then the guard.
    expect(fake.requests).toHaveLength(3);
    expect(shared.answer).toBeUndefined();
  });

  it("searches the web through SearXNG's JSON API", async () => {
    const searxng = await startSearxng((url) => ({
      status: 200,
      body: {
        query: url.searchParams.get("q"),
        results: [{ title: "A-0 System", url: "https://example.org/a0", content: "The A-0 system (1952) was the first compiler." }],
      },
    }));
    try {
      fake.enqueue(
        yaml("action: search\nreason: look it up\nquery: first compiler"),
        yaml("action: answer\nreason: found it"),
        "The A-0 system [https://example.org/a0].",
      );
      const shared: AgentStore = { question: "What was the first compiler?", searches: [] };
      await createAgentFlow(createLLM(fake.config), new SearxngSearch({ baseURL: searxng.url })).run(shared);

      expect(searxng.queries.map((u) => [u.pathname, u.searchParams.get("q"), u.searchParams.get("format")])).toEqual([
        ["/search", "first compiler", "json"],
      ]);
      expect(shared.searches[0]!.hits).toEqual([
        { title: "A-0 System", source: "https://example.org/a0", snippet: "The A-0 system (1952) was the first compiler." },
      ]);
      expect(fake.requests[2]!.lastUserText).toContain("The A-0 system (1952) was the first compiler.");
    } finally {
      searxng.server.close();
      searxng.server.closeAllConnections();
    }
  });

  it("explains a SearXNG that refuses JSON, and one that is not there", async () => {
    const searxng = await startSearxng(() => ({ status: 403, body: {} }));
    try {
      const search = new SearxngSearch({ baseURL: searxng.url });
      await expect(search.search("x")).rejects.toThrow(WebSearchError);
      await expect(search.search("x")).rejects.toThrow(/search\.formats/);
    } finally {
      searxng.server.close();
      searxng.server.closeAllConnections();
    }
    // A port that was just free: nothing listens there.
    const gone = await startSearxng(() => ({ status: 200, body: {} }));
    await new Promise((resolve) => gone.server.close(resolve));
    await expect(new SearxngSearch({ baseURL: gone.url }).search("x")).rejects.toThrow(/Could not reach SearXNG .*ECONNREFUSED/);
  });
});

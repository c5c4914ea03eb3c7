import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readDocuments } from "../shared/documents.js";
import { EmbeddingsError, OpenAIEmbeddings } from "./embeddings.js";
import { createIndexingFlow, createQueryFlow } from "./flow.js";
import { type Chunk, type IndexingStore, type QueryStore, chunkDocument } from "./nodes.js";
import { MemoryIndex } from "./vector-index.js";

/**
 * `@flowlet/llm/testing` fakes chat, not embeddings: this is a tiny OpenAI-compatible
 * `POST /v1/embeddings` over real HTTP. Its vectors are bags of words hashed into 64 dimensions,
 * so texts sharing words are near each other and retrieval is meaningful.
 */
async function startFakeEmbeddings(): Promise<{ baseURL: string; requests: { input: string[]; model: string; auth?: string }[]; server: Server }> {
  const requests: { input: string[]; model: string; auth?: string }[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.method !== "POST" || req.url !== "/v1/embeddings") return res.writeHead(404).end();
    const { input, model } = JSON.parse(body) as { input: string[]; model: string };
    requests.push({ input, model, auth: req.headers.authorization });
    const data = input.map((text, index) => ({ object: "embedding", index, embedding: bagOfWords(text) }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: data.reverse(), model }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, server };
}

function bagOfWords(text: string): number[] {
  const vector = new Array<number>(64).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
    let hash = 0;
    for (const c of word) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    vector[hash % 64]! += 1;
  }
  return vector;
}

let fake: FakeLLM;
let embeddings: Awaited<ReturnType<typeof startFakeEmbeddings>>;
beforeEach(async () => {
  fake = await startFakeLLM();
  embeddings = await startFakeEmbeddings();
});
afterEach(async () => {
  embeddings.server.close();
  embeddings.server.closeAllConnections();
  await fake.close();
});

describe("RAG", () => {
  it("indexes the documents offline, then answers a question from the top-k chunks with citations", async () => {
    const embedder = new OpenAIEmbeddings({ baseURL: embeddings.baseURL, apiKey: "embed-key", model: "fake-embed" });
    const index = new MemoryIndex<Chunk>();
    const indexing: IndexingStore = { documents: await readDocuments(fileURLToPath(new URL("./docs", import.meta.url))) };
    await createIndexingFlow(embedder, index).run(indexing);

    expect(indexing.chunks!.map((c) => c.source)).toEqual(["expenses.md", "remote-work.md", "vacation.md"]);
    expect(index.size).toBe(3);
    expect(embeddings.requests).toEqual([{ input: indexing.chunks!.map((c) => c.text), model: "fake-embed", auth: "Bearer embed-key" }]);

    fake.enqueue("You can carry over up to 5 days, until March 31 [1].");
    const query: QueryStore = { question: "How many unused vacation days carry over to next year?" };
    await createQueryFlow(createLLM(fake.config), embedder, index, 2).run(query);

    expect(query.retrieved!.map((r) => r.chunk.source)).toEqual(["vacation.md", expect.any(String)]);
    expect(query.retrieved![0]!.score).toBeGreaterThan(query.retrieved![1]!.score);
    expect(fake.requests[0]!.lastUserText).toContain("[1] (vacation.md)\n# Vacation policy");
    expect(fake.requests[0]!.lastUserText).toContain("Question: How many unused vacation days");
    expect(query.answer).toBe("You can carry over up to 5 days, until March 31 [1].");
    expect(query.citations).toEqual([{ n: 1, source: "vacation.md" }]);
  });

  it("chunks at paragraph boundaries", () => {
    const text = "# T\n\nfirst paragraph here\n\nsecond paragraph here\n\nthird";
    expect(chunkDocument({ name: "t.md", text }, 30).map((c) => c.text)).toEqual(["# T\n\nfirst paragraph here", "second paragraph here\n\nthird"]);
  });

  it("reports an embeddings endpoint that fails, without leaking the key", async () => {
    const embedder = new OpenAIEmbeddings({ baseURL: `${embeddings.baseURL}/nope`, apiKey: "sk-secret", model: "m" });
    const error = await embedder.embed(["x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect((error as Error).message).toMatch(/HTTP 404/);
    expect((error as Error).message).not.toContain("sk-secret");
  });
});

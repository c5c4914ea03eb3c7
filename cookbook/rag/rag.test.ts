import { fileURLToPath } from "node:url";
import { EmbeddingsUnsupportedError, createLLM } from "@flowlet/llm";
import { type FakeLLM, fakeEmbedding, startFakeLLM } from "@flowlet/llm/testing";
import { NodeError } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readDocuments } from "../shared/documents.js";
import { createIndexingFlow, createQueryFlow } from "./flow.js";
import { type Chunk, type IndexingStore, type QueryStore, chunkDocument } from "./nodes.js";
import { MemoryIndex } from "./vector-index.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(async () => {
  await fake.close();
});

const docs = fileURLToPath(new URL("./docs", import.meta.url));

describe("RAG", () => {
  it("indexes the documents offline, then answers a question from the top-k chunks with citations", async () => {
    const llm = createLLM(fake.config);
    const index = new MemoryIndex<Chunk>();
    const indexing: IndexingStore = { documents: await readDocuments(docs) };
    await createIndexingFlow(llm, index).run(indexing);

    const texts = indexing.chunks!.map((c) => c.text);
    expect(indexing.chunks!.map((c) => c.source)).toEqual(["expenses.md", "remote-work.md", "vacation.md"]);
    expect(indexing.vectors).toEqual(texts.map((text) => fakeEmbedding(text)));
    expect(index.size).toBe(3);
    expect(
      fake.requests.map(({ kind, path, inputs, model, headers }) => ({ kind, path, inputs, model, auth: headers.authorization })),
    ).toEqual([{ kind: "embeddings", path: "/v1/embeddings", inputs: texts, model: "fake-openai-embedding", auth: "Bearer fake-key" }]);

    fake.enqueue("You can carry over up to 5 days, until March 31 [1].");
    const query: QueryStore = { question: "How many unused vacation days carry over to next year?" };
    await createQueryFlow(llm, llm, index, 2).run(query);

    expect(fake.requests.slice(1).map((r) => r.kind)).toEqual(["embeddings", "chat"]);
    expect(fake.requests[1]!.inputs).toEqual([query.question]);
    expect(query.queryVector).toEqual(fakeEmbedding(query.question));
    expect(query.retrieved!.map((r) => r.chunk.source)).toEqual(["vacation.md", expect.any(String)]);
    expect(query.retrieved![0]!.score).toBeGreaterThan(query.retrieved![1]!.score);
    const prompt = fake.requests[2]!.lastUserText;
    expect(prompt).toContain("[1] (vacation.md)\n# Vacation policy");
    expect(prompt).toContain("Question: How many unused vacation days");
    expect(query.answer).toBe("You can carry over up to 5 days, until March 31 [1].");
    expect(query.citations).toEqual([{ n: 1, source: "vacation.md" }]);
  });

  it("chats with one provider and embeds with another: Anthropic has no embeddings API", async () => {
    const anthropic = await startFakeLLM({ provider: "anthropic" });
    const gemini = await startFakeLLM({ provider: "gemini" });
    try {
      const chat = createLLM(anthropic.config);
      const documents = await readDocuments(docs);
      const failed = await createIndexingFlow(chat, new MemoryIndex<Chunk>())
        .run({ documents })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(NodeError);
      expect((failed as NodeError).cause).toBeInstanceOf(EmbeddingsUnsupportedError);

      const embedder = createLLM(gemini.config);
      const index = new MemoryIndex<Chunk>();
      await createIndexingFlow(embedder, index).run({ documents });
      anthropic.enqueue("Receipts within 30 days [1].");
      const query: QueryStore = { question: "When are expense receipts due?" };
      await createQueryFlow(chat, embedder, index, 1).run(query);

      expect(gemini.requests.map((r) => r.path)).toEqual(Array(2).fill("/v1beta/models/fake-gemini-embedding:batchEmbedContents"));
      expect(query.citations).toEqual([{ n: 1, source: "expenses.md" }]);
      expect(anthropic.requests.map((r) => r.kind)).toEqual(["chat"]);
    } finally {
      await Promise.all([anthropic.close(), gemini.close()]);
    }
  });

  it("chunks at paragraph boundaries", () => {
    const text = "# T\n\nfirst paragraph here\n\nsecond paragraph here\n\nthird";
    expect(chunkDocument({ name: "t.md", text }, 30).map((c) => c.text)).toEqual([
      "# T\n\nfirst paragraph here",
      "second paragraph here\n\nthird",
    ]);
  });
});

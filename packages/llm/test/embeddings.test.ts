import { afterEach, describe, expect, it } from "vitest";
import {
  EMBED_BATCH_SIZE,
  EmbeddingsUnsupportedError,
  LLMConfigError,
  LLMHTTPError,
  LLMResponseError,
  type UsageEvent,
  createLLM,
} from "../src/index.js";
import { type FakeLLM, fakeEmbedding, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const fast = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 };

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

describe("embed: wire formats", () => {
  it("OpenAI-compatible: POSTs {model, input} to /embeddings with the bearer key and reads data[].embedding", async () => {
    fake = await startFakeLLM({ provider: "openai", apiKey: "sk-test" });
    const events: UsageEvent[] = [];
    const llm = createLLM({ ...fake.config, onUsage: (event) => events.push(event) });
    const texts = ["Vacation days carry over until March", "Unused vacation days carry over", "Expense reports are due monthly"];
    const { vectors, usage } = await llm.embed(texts);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({
      kind: "embeddings",
      method: "POST",
      path: "/v1/embeddings",
      inputs: texts,
      model: "fake-openai-embedding",
    });
    expect(request!.body).toEqual({ model: "fake-openai-embedding", input: texts });
    expect(request!.headers.authorization).toBe("Bearer sk-test");
    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text)));
    // The fake's default vectors put texts sharing words close together.
    expect(cosine(vectors[0]!, vectors[1]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[2]!));
    const tokens = Math.ceil(texts.join("").length / 4);
    expect(usage).toEqual({ inputTokens: tokens, outputTokens: 0, totalTokens: tokens });
    expect(events).toEqual([
      { provider: "openai", model: "fake-openai-embedding", inputTokens: tokens, outputTokens: 0, totalTokens: tokens },
    ]);
  });

  it("Gemini: POSTs batchEmbedContents with one request per text and reads embeddings[].values", async () => {
    fake = await startFakeLLM({ provider: "gemini", apiKey: "g-key" });
    const { vectors } = await createLLM(fake.config).embed(["alpha beta", "gamma delta"], { model: "models/my-embedder" });

    const [request] = fake.requests;
    expect(request!.path).toBe("/v1beta/models/my-embedder:batchEmbedContents");
    expect(request!.headers["x-goog-api-key"]).toBe("g-key");
    expect(request!.body).toEqual({
      requests: [
        { model: "models/my-embedder", content: { parts: [{ text: "alpha beta" }] } },
        { model: "models/my-embedder", content: { parts: [{ text: "gamma delta" }] } },
      ],
    });
    expect(vectors).toEqual([fakeEmbedding("alpha beta"), fakeEmbedding("gamma delta")]);
  });

  it("uses the configured embedding model, from the environment too, and Gemini's default without one", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    const { embeddingModel: _, ...withoutEmbeddingModel } = fake.config;
    await createLLM(withoutEmbeddingModel).embed(["x"]);
    expect(fake.requests[0]!.path).toBe("/v1beta/models/text-embedding-004:batchEmbedContents");

    const env = {
      FLOWLET_LLM_PROVIDER: "gemini",
      FLOWLET_LLM_BASE_URL: fake.config.baseURL,
      FLOWLET_LLM_API_KEY: "fake-key",
      FLOWLET_LLM_MODEL: "chat",
      FLOWLET_LLM_EMBEDDING_MODEL: "from-env",
    };
    const llm = createLLM({ env });
    expect(llm.connection.embeddingModel).toBe("from-env");
    await llm.embed(["x"]);
    expect(fake.requests[1]!.path).toBe("/v1beta/models/from-env:batchEmbedContents");
  });

  it("asks for an embedding model on an OpenAI-compatible server that is not OpenAI's, naming the setting", async () => {
    fake = await startFakeLLM({ provider: "openai" });
    const { embeddingModel: _, ...withoutEmbeddingModel } = fake.config;
    const fromCode = await createLLM(withoutEmbeddingModel)
      .embed(["x"])
      .catch((e: unknown) => e);
    expect(fromCode).toBeInstanceOf(LLMConfigError);
    expect(fromCode).toMatchObject({ variable: "config.embeddingModel" });

    const env = { FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_BASE_URL: fake.config.baseURL, FLOWLET_LLM_MODEL: "llama3.2" };
    const fromEnv = await createLLM({ env })
      .embed(["x"])
      .catch((e: unknown) => e);
    expect(fromEnv).toMatchObject({ variable: "FLOWLET_LLM_EMBEDDING_MODEL" });
    expect((fromEnv as Error).message).toContain("Set FLOWLET_LLM_EMBEDDING_MODEL");
    expect(fake.requests).toHaveLength(0);
  });

  it("throws EmbeddingsUnsupportedError on Anthropic, without a request", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    const error = await createLLM(fake.config)
      .embed(["x"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingsUnsupportedError);
    expect(error).toBeInstanceOf(LLMConfigError);
    expect((error as Error).message).toMatch(/anthropic provider has no embeddings API.*"openai".*"gemini"/);
    expect(fake.requests).toHaveLength(0);
  });

  it("sends nothing for no texts", async () => {
    fake = await startFakeLLM();
    expect(await createLLM(fake.config).embed([])).toEqual({ vectors: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("embed: batches and order", () => {
  it.each(["openai", "gemini"] as const)("%s: splits large inputs into batches and keeps the texts' order", async (provider) => {
    fake = await startFakeLLM({ provider });
    // Each vector encodes its text's number, so any reordering shows.
    fake.respondEmbeddings((request) => ({ vectors: request.inputs.map((input) => [Number(input), 1]) }));
    const texts = Array.from({ length: 2 * EMBED_BATCH_SIZE + 50 }, (_, i) => String(i));
    const { vectors } = await createLLM(fake.config).embed(texts);

    expect(fake.requests.map((request) => request.inputs.length)).toEqual([EMBED_BATCH_SIZE, EMBED_BATCH_SIZE, 50]);
    expect(fake.requests.flatMap((request) => request.inputs)).toEqual(texts);
    expect(vectors.map((vector) => vector[0])).toEqual(texts.map(Number));
  });

  it("OpenAI-compatible: orders the embeddings by their index, not their position in the reply", async () => {
    fake = await startFakeLLM();
    const data = [2, 0, 1].map((index) => ({ object: "embedding", index, embedding: [index, 0.5] }));
    fake.enqueueEmbeddings({ body: JSON.stringify({ object: "list", data, model: "m" }) });
    expect((await createLLM(fake.config).embed(["a", "b", "c"])).vectors).toEqual([
      [0, 0.5],
      [1, 0.5],
      [2, 0.5],
    ]);
  });
});

describe("embed: reliability", () => {
  it("honours Retry-After on 429, then succeeds", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueueEmbeddings({ status: 429, headers: { "retry-after": "1" } });
    const started = Date.now();
    const { vectors } = await createLLM({ ...fake.config, retry: fast }).embed(["hello world"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(vectors).toEqual([fakeEmbedding("hello world")]);
    expect(fake.requests).toHaveLength(2);
  });

  it("stops at once when aborted, with the signal's reason", async () => {
    fake = await startFakeLLM();
    fake.enqueueEmbeddings({ hang: true });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    setTimeout(() => controller.abort(reason), 50);
    await expect(createLLM(fake.config).embed(["x"], { signal: controller.signal })).rejects.toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it("times out per request", async () => {
    fake = await startFakeLLM();
    fake.enqueueEmbeddings({ hang: true }, { hang: true });
    await expect(createLLM({ ...fake.config, retry: { ...fast, maxRetries: 1 } }).embed(["x"], { timeoutMs: 50 })).rejects.toMatchObject({
      name: "LLMTimeoutError",
      attempts: 2,
    });
  });

  it("keeps the key out of an error the server echoes it in", async () => {
    fake = await startFakeLLM({ apiKey: "sk-secret-42" });
    fake.enqueueEmbeddings({ status: 400, error: "invalid model for key sk-secret-42" });
    const error = await createLLM(fake.config)
      .embed(["x"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain("sk-secret-42");
  });
});

describe("embed: malformed replies", () => {
  it.each(["openai", "gemini"] as const)(
    "%s: wrong count, non-numeric vectors and unequal lengths are LLMResponseErrors",
    async (provider) => {
      fake = await startFakeLLM({ provider });
      fake.enqueueEmbeddings(
        { vectors: [[1, 2]] },
        { vectors: [[1, 2], ["a", 2] as unknown as number[]] },
        {
          vectors: [
            [1, 2],
            [1, 2, 3],
          ],
        },
      );
      const llm = createLLM(fake.config);
      const wrongCount = await llm.embed(["a", "b"]).catch((e: unknown) => e);
      expect(wrongCount).toBeInstanceOf(LLMResponseError);
      expect((wrongCount as Error).message).toContain("1 embeddings for 2 texts");
      const nonNumeric = await llm.embed(["a", "b"]).catch((e: unknown) => e);
      expect(nonNumeric).toBeInstanceOf(LLMResponseError);
      expect((nonNumeric as Error).message).toContain("embedding #1 that is not a list of numbers");
      await expect(llm.embed(["a", "b"])).rejects.toThrow(/different lengths/);
    },
  );

  it("a body that is not JSON, or not in the format, is an LLMResponseError", async () => {
    fake = await startFakeLLM();
    fake.enqueueEmbeddings(
      { body: "<html>gateway</html>" },
      { body: JSON.stringify({ embeddings: [] }) },
      {
        body: JSON.stringify({
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [2] },
          ],
        }),
      },
    );
    const llm = createLLM(fake.config);
    await expect(llm.embed(["x"])).rejects.toThrow(/not JSON/);
    await expect(llm.embed(["x"])).rejects.toBeInstanceOf(LLMResponseError);
    await expect(llm.embed(["x", "y"])).rejects.toThrow(/indexes do not match/);
  });
});

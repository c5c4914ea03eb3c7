import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type CachedReply, type UsageEvent, createLLM, fileCache, memoryCache } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "flowlet-llm-cache-"));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

const reply = (text: string): CachedReply => ({
  text,
  toolCalls: [],
  usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
  finishReason: "stop",
  model: "m",
});

describe("response cache", () => {
  it("serves a repeated call from files, unbilled, and never stores the key", async () => {
    fake = await startFakeLLM({ apiKey: "sk-cache-secret" });
    fake.enqueue("first answer");
    const usage: UsageEvent[] = [];
    const llm = createLLM({ ...fake.config, cache: dir, onUsage: (event) => usage.push(event) });
    const first = await llm.chat("What is Flowlet?");
    const second = await llm.chat("What is Flowlet?");
    expect(first).toMatchObject({ text: "first answer", cached: false });
    expect(second).toMatchObject({ text: "first answer", cached: true, usage: first.usage });
    expect(fake.requests).toHaveLength(1);
    expect(usage).toHaveLength(1);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(await readFile(join(dir, files[0]!), "utf8")).not.toContain("sk-cache-secret");
  });

  it("keys on model, messages and options, not on the API key", async () => {
    fake = await startFakeLLM({ apiKey: false });
    fake.respond((request) => `${request.model}/${request.lastUserText}/${String(request.body.temperature)}`);
    const cache = memoryCache();
    const a = createLLM({ ...fake.config, apiKey: "key-a", cache });
    const b = createLLM({ ...fake.config, apiKey: "key-b", cache });
    await a.chat("q");
    expect((await b.chat("q")).cached).toBe(true);
    expect((await a.chat("q", { model: "other" })).cached).toBe(false);
    expect((await a.chat("q2")).cached).toBe(false);
    expect((await a.chat("q", { temperature: 0.5 })).cached).toBe(false);
    expect(fake.requests).toHaveLength(4);
  });

  it("does not cache failures or replies with invalid tool calls", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 500 }, { toolCalls: [{ name: "t", arguments: { n: "NaN" } }] }, "good");
    const llm = createLLM({ ...fake.config, cache: dir, retry: { maxRetries: 0 } });
    const tools = [{ name: "t", schema: z.object({ n: z.number() }) }];
    await expect(llm.chat("q", { tools })).rejects.toThrow(/HTTP 500/);
    await expect(llm.chat("q", { tools })).rejects.toThrow(/invalid arguments/);
    expect(await readdir(dir).catch(() => [])).toHaveLength(0);
    expect((await llm.chat("q", { tools })).text).toBe("good");
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('skips reading with cache: "refresh" but stores the new reply; cache: false skips both', async () => {
    fake = await startFakeLLM();
    fake.enqueue("old", "new", "uncached");
    const llm = createLLM({ ...fake.config, cache: memoryCache() });
    await llm.chat("q");
    expect((await llm.chat("q", { cache: "refresh" })).text).toBe("new");
    expect((await llm.chat("q")).text).toBe("new");
    expect((await llm.chat("q", { cache: false })).text).toBe("uncached");
    expect((await llm.chat("q")).text).toBe("new");
    expect(fake.requests).toHaveLength(3);
  });

  it("caches only a valid structured reply, under the original question", async () => {
    fake = await startFakeLLM();
    fake.enqueue("```yaml\ncount: many\n```", "```yaml\ncount: 3\n```");
    const llm = createLLM({ ...fake.config, cache: dir });
    const schema = z.object({ count: z.number() });
    expect(await llm.structured("How many?", schema)).toEqual({ count: 3 });
    expect(await readdir(dir)).toHaveLength(1);
    // A new run asks the same question: the valid reply comes back at once.
    expect(await llm.structured("How many?", schema)).toEqual({ count: 3 });
    expect(fake.requests).toHaveLength(2);
  });

  it("re-asks past a cached reply the schema rejects, bypassing the cache", async () => {
    fake = await startFakeLLM();
    fake.enqueue("```yaml\ncount: 3\n```", "```yaml\ncount: 3\nunit: apples\n```");
    const llm = createLLM({ ...fake.config, cache: memoryCache() });
    await llm.structured("How many?", z.object({ count: z.number() }));
    const stricter = z.object({ count: z.number(), unit: z.string() });
    expect(await llm.structured("How many?", stricter)).toEqual({ count: 3, unit: "apples" });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.lastUserText).toMatch(/could not be used/);
    // The corrected reply replaced the rejected one.
    expect(await llm.structured("How many?", stricter)).toEqual({ count: 3, unit: "apples" });
    expect(fake.requests).toHaveLength(2);
  });

  it("ignores a corrupt entry with a warning, then overwrites it", async () => {
    fake = await startFakeLLM();
    fake.enqueue("one", "two");
    const warnings: string[] = [];
    const cache = fileCache(dir, { onWarning: (message) => warnings.push(message) });
    const llm = createLLM({ ...fake.config, cache });
    await llm.chat("q");
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), '{"reply": {"text": "tru');
    expect((await llm.chat("q")).text).toBe("two");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ignoring corrupt cache entry/);
    expect((await llm.chat("q")).text).toBe("two");
    expect(fake.requests).toHaveLength(2);
  });

  it("survives concurrent writers to the same entry", async () => {
    const writers = [fileCache(dir), fileCache(dir), fileCache(dir)];
    await Promise.all(Array.from({ length: 30 }, (_, i) => writers[i % 3]!.set("same-key", reply(`writer ${i}`))));
    const entry = await fileCache(dir, { onWarning: (message) => expect.fail(message) }).get("same-key");
    expect(entry?.text).toMatch(/^writer \d+$/);
    expect(await readdir(dir)).toEqual(["same-key.json"]);
  });

  it("keeps going when the cache cannot be written", async () => {
    fake = await startFakeLLM();
    fake.enqueue("paid for");
    const broken = { get: async () => undefined, set: async () => Promise.reject(new Error("disk full")) };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect((await createLLM({ ...fake.config, cache: broken }).chat("q")).text).toBe("paid for");
      expect(warn.mock.calls.flat().join(" ")).toMatch(/could not write the cache entry \(disk full\)/);
    } finally {
      warn.mockRestore();
    }
  });
});

import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LLMConfigError, LLMHTTPError, LLMNetworkError, LLMTimeoutError, createLLM, createLimiter } from "../src/index.js";
import { parseRetryAfter } from "../src/http.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const fast = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 };

describe("retries", () => {
  it("retries 429 and 5xx with backoff, then succeeds", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue({ status: 429 }, { status: 500 }, { status: 529, error: "Overloaded" }, "finally");
    const llm = createLLM({ ...fake.config, retry: fast });
    expect((await llm.chat("x")).text).toBe("finally");
    expect(fake.requests).toHaveLength(4);
  });

  it("gives up after maxRetries with the last status and the attempt count", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 503 }, { status: 503 }, { status: 503, error: "still down" });
    const llm = createLLM({ ...fake.config, retry: { ...fast, maxRetries: 2 } });
    const error = await llm.chat("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect(error).toMatchObject({ status: 503, attempts: 3 });
    expect((error as Error).message).toContain("still down");
  });

  it("does not retry a 400", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueue({ status: 400, error: "bad request" }, "never reached");
    await expect(createLLM({ ...fake.config, retry: fast }).chat("x")).rejects.toMatchObject({ status: 400, attempts: 1 });
    expect(fake.pending).toBe(1);
  });

  it("honours Retry-After in seconds", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 429, headers: { "retry-after": "1" } }, "ok");
    const llm = createLLM({ ...fake.config, retry: fast });
    const started = Date.now();
    expect((await llm.chat("x")).text).toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("honours Retry-After as an HTTP-date", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    // HTTP-dates have whole seconds: 2 s ahead is at least 1 s ahead once truncated.
    fake.enqueue({ status: 503, headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() } }, "ok");
    const started = Date.now();
    expect((await createLLM({ ...fake.config, retry: fast }).chat("x")).text).toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("parses every Retry-After form", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "7" }), now)).toBe(7000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now)).toBe(30_000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it("retries network errors, then reports the unreachable server", async () => {
    // A port that accepts and immediately drops every connection.
    const dropper = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    const port = (dropper.address() as { port: number }).port;
    let connections = 0;
    dropper.on("connection", () => connections++);
    try {
      const llm = createLLM({ provider: "openai", baseURL: `http://127.0.0.1:${port}/v1`, model: "m", retry: { ...fast, maxRetries: 2 } });
      const error = await llm.chat("x").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LLMNetworkError);
      expect((error as LLMNetworkError).attempts).toBe(3);
      expect((error as Error).message).toMatch(/Could not reach .*127\.0\.0\.1/);
      expect(connections).toBe(3);
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
    }
  });

  it("keeps credentials out of base URLs, and so out of error messages", async () => {
    const error = (() => {
      try {
        return createLLM({ provider: "openai", baseURL: "http://user:hunter2@127.0.0.1:9/v1", model: "m" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LLMConfigError);
    expect((error as LLMConfigError).variable).toBe("config.baseURL");
    expect((error as Error).message).not.toMatch(/hunter2/);
  });

  it("times out a hanging call per attempt, and retries it", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ hang: true }, "after the hang");
    const llm = createLLM({ ...fake.config, timeoutMs: 150, retry: fast });
    expect((await llm.chat("x")).text).toBe("after the hang");
    expect(fake.requests).toHaveLength(2);
    fake.enqueue({ hang: true });
    const timedOut = await createLLM({ ...fake.config, timeoutMs: 100, retry: { maxRetries: 0 } })
      .chat("x")
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(LLMTimeoutError);
    expect((timedOut as Error).message).toMatch(/within 100 ms/);
  });
});

describe("cancellation", () => {
  it("aborts a waiting request at once", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ hang: true });
    const controller = new AbortController();
    const llm = createLLM(fake.config);
    const pending = llm.chat("x", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled by test")), 50);
    await expect(pending).rejects.toThrow("cancelled by test");
  });

  it("interrupts a backoff wait at once", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 429, headers: { "retry-after": "30" } });
    const controller = new AbortController();
    const llm = createLLM(fake.config);
    const started = Date.now();
    const pending = llm.chat("x", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await expect(pending).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.requests).toHaveLength(1);
  });

  it("rejects at once with an already-aborted signal, sending nothing", async () => {
    fake = await startFakeLLM();
    await expect(createLLM(fake.config).chat("x", { signal: AbortSignal.abort(new Error("too late")) })).rejects.toThrow("too late");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("limiter", () => {
  it("caps requests in flight across several clients sharing it", async () => {
    fake = await startFakeLLM();
    let inFlight = 0;
    let peak = 0;
    fake.respond(async (request) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight--;
      return `re: ${request.lastUserText}`;
    });
    const limiter = createLimiter({ concurrency: 3 });
    const a = createLLM({ ...fake.config, limiter });
    const b = createLLM({ ...fake.config, limiter });
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).chat(`q${i}`)));
    expect(replies.map((reply) => reply.text)).toEqual(Array.from({ length: 12 }, (_, i) => `re: q${i}`));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(limiter.active).toBe(0);
  });

  it("with burst 1, spaces request starts evenly to keep to rpm", async () => {
    const limiter = createLimiter({ rpm: 600, burst: 1 }); // one start every 100 ms
    const starts: number[] = [];
    const quitter = new AbortController();
    const runs = Array.from({ length: 5 }, (_, i) =>
      limiter.run(async () => void starts.push(Date.now()), i === 2 ? quitter.signal : undefined),
    );
    setTimeout(() => quitter.abort(new Error("quit")), 20);
    const settled = await Promise.allSettled(runs);
    expect(settled.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(starts).toHaveLength(4);
    const gaps = starts.slice(1).map((start, i) => start - starts[i]!);
    // Generous margin: timers may fire late, never early by more than a tick.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(90);
  });

  it("lets a waiter give up through its signal, without losing the slot", async () => {
    const limiter = createLimiter({ concurrency: 1 });
    let finish!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const controller = new AbortController();
    const second = limiter.run(async () => "never", controller.signal);
    expect(limiter.pending).toBe(1);
    controller.abort(new Error("gave up"));
    await expect(second).rejects.toThrow("gave up");
    expect(limiter.pending).toBe(0);
    finish();
    await first;
    expect(await limiter.run(async () => "free again")).toBe("free again");
  });

  it("rejects invalid limits and mixing a limiter with its shorthands", () => {
    expect(() => createLimiter({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createLimiter({ rpm: -1 })).toThrow(/rpm/);
    expect(() =>
      createLLM({ provider: "openai", baseURL: "http://127.0.0.1:1/v1", model: "m", limiter: createLimiter(), maxConcurrency: 2 }),
    ).toThrow(/either/);
  });
});

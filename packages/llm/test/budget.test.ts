import { Flow, Node, type NodeContext } from "flowlet";
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import {
  LLMDeadlineError,
  LLMHTTPError,
  LLMResponseError,
  LLMTimeoutError,
  type RetryBudget,
  type RetryEvent,
  createLLM,
  createLimiter,
  createRetryBudget,
} from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const fast = { baseDelayMs: 5, maxDelayMs: 20 };

describe("one retry budget per call", () => {
  it("a persistent 500 makes exactly the default 5 requests, and the error says 5", async () => {
    fake = await startFakeLLM();
    fake.respond(() => ({ status: 500, error: "down" }));
    const events: RetryEvent[] = [];
    const llm = createLLM({ ...fake.config, retry: fast, onRetry: (event) => events.push(event) });
    const error = await llm.chat("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect(error).toMatchObject({ status: 500, attempts: 5 });
    expect((error as Error).message).toContain("after 5 attempts");
    expect(fake.requests).toHaveLength(5);
    expect(events.map((event) => [event.attempt, event.maxAttempts])).toEqual([
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
    ]);
  });

  it("maxAttempts per call or per client caps the requests", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.respond(() => ({ status: 503 }));
    const llm = createLLM({ ...fake.config, retry: { ...fast, maxAttempts: 3 } });
    await expect(llm.chat("x")).rejects.toMatchObject({ attempts: 3 });
    expect(fake.requests).toHaveLength(3);
    await expect(llm.chat("x", { maxAttempts: 1 })).rejects.toMatchObject({ attempts: 1 });
    expect(fake.requests).toHaveLength(4);
  });

  it("a budget shared by a Node's retries keeps Node retries × transport retries to maxAttempts in all", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.respond(() => ({ status: 529, error: "Overloaded" }));
    const llm = createLLM({ ...fake.config, retry: fast });
    class Ask extends Node<{ answer?: string }, RetryBudget, string> {
      override prep() {
        return createRetryBudget({ maxAttempts: 5 });
      }
      override async exec(budget: RetryBudget, ctx: NodeContext) {
        return (await llm.chat("x", { signal: ctx.signal, budget })).text;
      }
    }
    const error = await new Flow(new Ask({ maxRetries: 3 })).run({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(fake.requests).toHaveLength(5);
  });

  it("structured()'s maxAttempts counts re-asks, not the transport's retries", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 500 }, { status: 502 }, "```yaml\nok: true\n```");
    const llm = createLLM({ ...fake.config, retry: fast });
    expect(await llm.structured("q", z.object({ ok: z.boolean() }), { maxAttempts: 1 })).toEqual({ ok: true });
    expect(fake.requests).toHaveLength(3);
  });

  it("a hung server is given up on at the deadline, not after every attempt's timeout", async () => {
    fake = await startFakeLLM();
    fake.respond(() => ({ hang: true }));
    const llm = createLLM({ ...fake.config, retry: fast, timeoutMs: 300 });
    const started = Date.now();
    const error = await llm.chat("x", { deadlineMs: 800 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(LLMDeadlineError);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect((error as LLMDeadlineError).attempts).toBeGreaterThanOrEqual(2);
    expect(took).toBeGreaterThanOrEqual(750);
    expect(took).toBeLessThan(3_000);
  });

  it("a server that sends headers and then nothing times out per attempt and is retried", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ hang: "after-headers" }, "finally");
    const llm = createLLM({ ...fake.config, retry: fast, timeoutMs: 200 });
    expect((await llm.chat("x")).text).toBe("finally");
    expect(fake.requests).toHaveLength(2);
  });

  it("a Retry-After longer than the deadline fails at once with the 429", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 429, headers: { "retry-after": "30" } }, "never");
    const started = Date.now();
    const error = await createLLM({ ...fake.config, retry: fast })
      .chat("x", { deadlineMs: 1_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("malformed replies are not retried, unless the call opts in", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ body: "{" }, "unused");
    const llm = createLLM({ ...fake.config, retry: fast });
    await expect(llm.chat("x")).rejects.toBeInstanceOf(LLMResponseError);
    expect(fake.requests).toHaveLength(1);
    fake.enqueue({ body: '{"choices": 7}' }, "good");
    const retrying = createLLM({ ...fake.config, retry: { ...fast, malformedReplies: true } });
    expect((await retrying.chat("x")).text).toBe("unused");
  });
});

describe("token-bucket limiter", () => {
  it("lets a burst through at once, then keeps to the rate", async () => {
    const limiter = createLimiter({ rpm: 600, burst: 3 }); // 3 at once, then one every 100 ms
    const started = Date.now();
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => limiter.run(async () => void starts.push(Date.now() - started))));
    expect(starts.slice(0, 3).every((at) => at < 60)).toBe(true);
    expect(starts[3]!).toBeGreaterThanOrEqual(90);
    expect(starts[4]!).toBeGreaterThanOrEqual(190);
  });

  it("a 429 pauses every client sharing the limiter", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ status: 429, headers: { "retry-after": "1" } });
    fake.respond(() => "ok");
    const limiter = createLimiter({ concurrency: 4 });
    const a = createLLM({ ...fake.config, limiter, retry: fast });
    const b = createLLM({ ...fake.config, limiter, retry: fast });
    const first = a.chat("first");
    await new Promise((resolve) => setTimeout(resolve, 150)); // the 429 has arrived
    const started = Date.now();
    expect((await b.chat("second")).text).toBe("ok");
    // b never saw the 429 but waited out the pause it set.
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect((await first).text).toBe("ok");
  });
});

import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { startPostgres, startRedis, type TestService } from "@flowlet/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProgram } from "../shared/run-program.js";

let fake: FakeLLM;
let redis: TestService;
let pg: TestService;
beforeAll(async () => {
  [fake, redis, pg] = await Promise.all([startFakeLLM(), startRedis(), startPostgres()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([fake?.close(), redis?.stop(), pg?.stop()]);
});

describe("worker pool: 3 worker processes summarise the résumés", () => {
  it("spreads the documents over the workers and prints the digest in document order", async () => {
    // Each call takes a moment, as a real model's would, so that no single worker takes every document.
    fake.respond((request) => {
      const name = /Name: (.+)/.exec(request.lastUserText)?.[1] ?? request.lastUserText.split("\n")[2]?.slice(0, 30) ?? "someone";
      return { text: `Summary of ${name.trim()}.`, delayMs: 300 };
    });
    const program = runProgram("cookbook/worker-pool/main.ts", {
      REDIS_URL: redis.url,
      DATABASE_URL: pg.url,
      ITEM_CONCURRENCY: "2",
      FLOWLET_LLM_PROVIDER: fake.config.provider,
      FLOWLET_LLM_BASE_URL: fake.config.baseURL,
      FLOWLET_LLM_API_KEY: fake.config.apiKey ?? "",
      FLOWLET_LLM_MODEL: fake.config.model,
    });
    expect(await program.exited, program.stderr()).toBe(0);
    const out = program.stdout();
    expect(fake.requests).toHaveLength(8);
    const used = Number(/8 documents summarised by (\d) worker processes/.exec(out)?.[1]);
    expect(used).toBeGreaterThanOrEqual(2);
    const digest = out.split("\n").filter((line) => line.startsWith("- **"));
    expect(digest).toHaveLength(8);
    expect(digest.map((line) => /\*\*(.+?)\*\*/.exec(line)?.[1])).toEqual(
      [...digest.map((line) => /\*\*(.+?)\*\*/.exec(line)?.[1])].sort(),
    );
    expect(out).toContain("nodeEnd Summaries/Digest");
  }, 120_000);
});

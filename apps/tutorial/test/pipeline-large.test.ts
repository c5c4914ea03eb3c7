import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type ProgressEvent, Tokens, generateTutorial, planTutorial } from "../src/pipeline/index.js";
import { type Script, kindOf, promptOf, textOf, tutorReply } from "./fixtures/pipeline-support/fake-tutor.js";

let fake: FakeLLM;
let dir: string;

beforeEach(async () => {
  fake = await startFakeLLM();
  dir = mkdtempSync(join(tmpdir(), "pipeline-large-"));
});

afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 40 ordinary files of ~800 tokens and one of ~13 000 tokens: about 45 000 tokens against a 4 096-token window. */
function bigRepository() {
  const files = Array.from({ length: 40 }, (_, i) => ({
    path: `src/module${String(i).padStart(2, "0")}.ts`,
    content: Array.from({ length: 60 }, (_, line) => `export const value${i}_${line} = ${line}; // module ${i} line`).join("\n"),
  }));
  files.push({
    path: "src/huge.ts",
    content: Array.from({ length: 1000 }, (_, line) => `export function huge${line}() { return ${line}; }`).join("\n"),
  });
  return files;
}

const script: Script = {
  abstractions: [
    { name: "Modules", description: "The many small modules.", files: [0, 1, 2] },
    { name: "The Huge File", description: "One very large file.", files: [40] },
    { name: "Values", description: "Exported values.", files: [5, 39] },
  ],
  summary: "A big project.",
  relationships: [
    { from: 0, to: 1, label: "calls" },
    { from: 2, to: 0, label: "lives in" },
  ],
  order: [0, 2, 1],
};

it("summarises a codebase too large for the context in a map-reduce, and no prompt exceeds the budget", async () => {
  const files = bigRepository();
  const contextTokens = 4096;
  const counter = new Tokens(fake.config.model);
  expect(counter.count(files.map((f) => f.content).join("\n"))).toBeGreaterThan(10 * contextTokens);
  fake.respond((request) => tutorReply(script, request));
  const events: ProgressEvent[] = [];

  const { indexPath, chapterFiles } = await generateTutorial({
    projectName: "big",
    files,
    llm: createLLM({ ...fake.config, retry: { maxRetries: 0 } }),
    outputDir: join(dir, "out"),
    language: "english",
    maxAbstractions: 5,
    concurrency: 4,
    contextTokens,
    useCache: false,
    cacheDir: join(dir, "cache"),
    checkpointDir: join(dir, "checkpoints"),
    resume: false,
    onProgress: (event) => events.push(event),
  });

  const kinds = fake.requests.map(kindOf);
  const summaries = kinds.filter((k) => k === "summarize").length;
  const merges = kinds.filter((k) => k === "merge").length;
  expect(summaries).toBeGreaterThan(10);
  expect(merges).toBeGreaterThan(0);
  // The map-reduce comes first, then the original pipeline, once.
  expect(kinds.slice(summaries + merges)).toEqual(["identify", "relationships", "order", "chapter", "chapter", "chapter"]);
  expect(kinds).not.toContain("unknown");

  // Every prompt and the reply it asks room for fit the window, by the model's own count.
  for (const request of fake.requests) {
    const reply = Number(request.body.max_tokens);
    expect(reply, `${kindOf(request)} output cap`).toBeGreaterThan(0);
    expect(counter.count(textOf(request)) + reply, `${kindOf(request)} prompt`).toBeLessThanOrEqual(contextTokens);
  }

  // Every file was summarised; the huge one part by part.
  const prompts = fake.requests.map(promptOf);
  const summarised = new Set(
    prompts.flatMap((p) => [...p.matchAll(/--- File Index (\d+):/g)].map((m) => Number(m[1]))).filter((i) => i < 41),
  );
  expect(summarised.size).toBe(41);
  expect(prompts.some((p) => p.includes("--- File Index 40: src/huge.ts (part 2 of"))).toBe(true);

  const identify = prompts[kinds.indexOf("identify")]!;
  expect(identify).toContain("The codebase is too large to show in full");
  expect(identify).toMatch(/--- Files \d+–\d+: /);

  // The huge file's chapter shows what fits of it, and says it was cut.
  const hugeChapter = prompts.find((p) => p.includes('about the concept "The Huge File"'))!;
  expect(hugeChapter).toContain("--- File Index 40: src/huge.ts ---");
  expect(hugeChapter).toContain("truncated to fit the context budget");

  expect(chapterFiles).toHaveLength(3);
  expect(readFileSync(indexPath, "utf8")).toContain("1. [Modules](01_modules.md)");

  // Progress counted the summary calls, level by level.
  const counted = events.filter((e) => e.stage === "summarize" && e.done !== undefined && e.done === e.total && e.done > 0);
  expect(counted.reduce((sum, e) => sum + e.done!, 0)).toBe(summaries + merges);
  expect(events.some((e) => e.message?.startsWith("level 2: merging"))).toBe(true);

  // The dry-run plan saw the same: map-reduce, with about as many calls.
  const plan = planTutorial({ files, maxAbstractions: 3, window: { contextTokens, maxOutputTokens: 4096 }, model: fake.config.model });
  expect(plan.mapReduce).toBe(true);
  expect(plan.plannedCalls).toBeGreaterThanOrEqual(summaries + 6);
});

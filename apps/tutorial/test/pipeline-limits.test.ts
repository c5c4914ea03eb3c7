import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTINUE_INSTRUCTION, createLLM, type ProviderName } from "@flowlet/llm";
import { type FakeLLM, type FakeRequest, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findMermaidBlocks, mermaidProblems } from "../src/markdown/index.js";
import { DROPPED_DIAGRAM } from "../src/pipeline/nodes/chapters.js";
import { ChapterCutError, generateTutorial, planTutorial } from "../src/pipeline/index.js";
import type { SourceFile } from "../src/source/types.js";
import { chapterOf, kindOf, promptOf } from "./fixtures/pipeline-support/fake-tutor.js";
import { modelLikeReply, noViolations, observe, promptTokensOf, type RealLimits, requestedCap } from "./fixtures/realistic.js";
import { expressLike, largeRepository, manySmallFiles, minifiedBundle, pocketflowLike } from "./fixtures/repos.js";

// The pipeline against the project's fake LLM over real HTTP, with the limits real models have:
// the fake counts prompts with the real tokenizer, refuses (400) a prompt over the window or an
// output cap over the model's, and cuts replies at the requested cap with finish reason `length`.

let fake: FakeLLM | undefined;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipeline-limits-"));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function run(options: {
  provider?: ProviderName;
  limits: RealLimits;
  files: SourceFile[];
  maxAbstractions?: number;
  handler: Parameters<FakeLLM["respond"]>[0];
}) {
  const { model, contextTokens, maxOutputTokens } = options.limits;
  fake = await startFakeLLM({ provider: options.provider ?? "openai", model, limits: { contextTokens, maxOutputTokens } });
  fake.respond(options.handler);
  // The client knows the limits from the fake's config, as it would from its table for a real model.
  const llm = createLLM({ ...fake.config, retry: { maxRetries: 0 } });
  return generateTutorial({
    projectName: "project",
    files: options.files,
    llm,
    outputDir: join(dir, "out"),
    language: "english",
    maxAbstractions: options.maxAbstractions ?? 5,
    concurrency: 4,
    useCache: false,
    cacheDir: join(dir, "cache"),
    checkpointDir: join(dir, "checkpoints"),
    resume: false,
  });
}

const requestsOf = (kind: string) => fake!.requests.filter((request) => kindOf(request) === kind);
const filesIn = (request: FakeRequest) => [...new Set([...promptOf(request).matchAll(/--- File Index (\d+):/g)].map((m) => m[1]))].length;

describe("budget by input and output, against realistic limits", () => {
  it("many small files with a 16k output cap: summary groups sized by output too, nothing overflows, nothing is cut", async () => {
    const limits = { model: "gpt-4o", contextTokens: 128_000, maxOutputTokens: 16_384 };
    const files = manySmallFiles(2000);
    const violations = noViolations();
    await run({ limits, files, handler: observe(modelLikeReply({ fileCount: files.length }), violations) });
    expect(violations).toEqual(noViolations());
    const summaries = requestsOf("summarize");
    expect(summaries.length).toBeGreaterThanOrEqual(Math.ceil(2000 / 67));
    for (const request of summaries) {
      expect(filesIn(request)).toBeLessThanOrEqual(67);
      expect(requestedCap(request)).toBeLessThanOrEqual(16_384);
    }
  }, 120_000);

  it("Anthropic with 4k output: every request carries max_tokens within the cap, the map-reduce and chapters fit", async () => {
    const limits = { model: "claude-3-haiku-20240307", contextTokens: 48_000, maxOutputTokens: 4096 };
    const files = pocketflowLike(40);
    const violations = noViolations();
    await run({
      provider: "anthropic",
      limits,
      files,
      handler: observe(modelLikeReply({ fileCount: files.length, chapterWords: 1500 }), violations),
    });
    expect(violations).toEqual(noViolations());
    expect(requestsOf("summarize").length).toBeGreaterThan(1);
    for (const request of fake!.requests) expect(requestedCap(request)).toBeLessThanOrEqual(4096);
    // The chapter prompt asks for a length that fits the cap.
    expect(promptOf(requestsOf("chapter")[0]!)).toContain("within about 2048 words");
  }, 120_000);

  it("dense minified code stays within the context by the real o200k count", async () => {
    const limits = { model: "gpt-4o", contextTokens: 32_000, maxOutputTokens: 16_384 };
    const files = [
      { path: "src/app.js", content: "import { a } from './vendor/bundle.min.js';\nexport const app = () => a;\n" },
      { path: "vendor/bundle.min.js", content: minifiedBundle(95, 1) },
      { path: "vendor/other.min.js", content: minifiedBundle(95, 2) },
    ];
    // chars/4 would call each bundle about 24k tokens; o200k counts far more.
    expect(promptTokensOf({ messages: [{ role: "user", content: files[1]!.content }] } as FakeRequest, "gpt-4o")).toBeGreaterThan(
      ((95 * 1024) / 4) * 1.3,
    );
    const violations = noViolations();
    await run({
      limits,
      files,
      maxAbstractions: 3,
      handler: observe(modelLikeReply({ fileCount: files.length, abstractions: 3 }), violations),
    });
    expect(violations).toEqual(noViolations());
    for (const request of fake!.requests) expect(promptTokensOf(request, "gpt-4o") + requestedCap(request)!).toBeLessThanOrEqual(32_000);
  }, 120_000);
});

describe("never a cut chapter", () => {
  const limits = { model: "gpt-4o", contextTokens: 64_000, maxOutputTokens: 4096 };

  it("continues a chapter cut at the output cap, and publishes it whole", async () => {
    const files = expressLike();
    const violations = noViolations();
    const base = modelLikeReply({ fileCount: files.length, abstractions: 3 });
    const handler = observe((request: FakeRequest) => {
      const last = request.messages.at(-1)?.content ?? "";
      if (last === CONTINUE_INSTRUCTION) return { text: " and the rest of chapter 2.\n\nThe end of chapter 2.\n" };
      if (kindOf(request) === "chapter" && chapterOf(request) === 2) return { text: `# Chapter 2: Concept\n\n${"word ".repeat(9000)}` };
      return base(request);
    }, violations);
    const { chapterFiles } = await run({ limits, files, maxAbstractions: 3, handler });
    expect(violations.cut).toEqual(["chapter 2"]);
    expect(fake!.requests.filter((r) => r.messages.at(-1)?.content === CONTINUE_INSTRUCTION)).toHaveLength(1);
    const chapter = readFileSync(chapterFiles[1]!, "utf8");
    expect(chapter).toContain("and the rest of chapter 2.\n\nThe end of chapter 2.");
    expect(chapter).toContain("*Generated by flowlet-tutorial");
  }, 60_000);

  it("fails naming the chapter and what to do when even a shorter chapter is cut, and publishes nothing", async () => {
    const files = expressLike();
    const base = modelLikeReply({ fileCount: files.length, abstractions: 3 });
    const handler = observe(
      (request) => (kindOf(request) === "chapter" && chapterOf(request) === 3 ? { text: "long ".repeat(9000) } : base(request)),
      noViolations(),
    );
    const error = await run({ limits, files, maxAbstractions: 3, handler }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const cut = (error as { cause?: unknown }).cause ?? error;
    expect(cut).toBeInstanceOf(ChapterCutError);
    expect((cut as Error).message).toMatch(
      /^Chapter 3 \("Concept 3"\) was cut off at the model's output limit \(4096 tokens\).*Raise --max-output-tokens/,
    );
    // Asked once, continued twice, asked for a shorter one: then given up, not retried by the node.
    const chapter3 = fake!.requests.filter((r) => kindOf(r) === "chapter" && chapterOf(r) === 3);
    expect(chapter3.length).toBe(4);
    const out = join(dir, "out");
    expect(existsSync(out) ? readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith(".md")) : []).toEqual([]);
  }, 60_000);
});

describe("broken Markdown and Mermaid from the model", () => {
  it("unwraps, closes fences, keeps navigation and footer outside any block, repairs or drops bad diagrams", async () => {
    const limits = { model: "gpt-4o", contextTokens: 64_000, maxOutputTokens: 8192 };
    const files = expressLike();
    const base = modelLikeReply({ fileCount: files.length, abstractions: 4 });
    const badDiagram = "```mermaid\nflowchart TD\n  A[App (main)] --> B[Router\n```";
    const handler = observe((request: FakeRequest) => {
      const prompt = promptOf(request);
      if (prompt.startsWith("This Mermaid diagram from a tutorial chapter does not parse")) {
        // Chapter 3's diagram is repaired; chapter 4's repair is as broken as the original.
        return prompt.includes("Router3")
          ? { text: '```mermaid\nflowchart TD\n  A["App (main)"] --> B["Router3"]\n```' }
          : { text: badDiagram };
      }
      if (kindOf(request) !== "chapter") return base(request);
      const n = chapterOf(request);
      if (n === 1) return { text: "```markdown\n# Chapter 1: Concept\n\nWrapped in a fence that is never closed.\n" };
      if (n === 2) return { text: "# Chapter 2: Concept\n\nCode:\n\n```python\nprint('never closed')\n" };
      return { text: `# Chapter ${n}: Concept\n\nA diagram:\n\n${badDiagram.replace("Router", `Router${n}`)}\n\nDone.\n` };
    }, noViolations());
    const { chapterFiles, indexPath } = await run({ limits, files, maxAbstractions: 4, handler });
    const pages = chapterFiles.map((file) => readFileSync(file, "utf8"));
    for (const page of [...pages, readFileSync(indexPath, "utf8")]) {
      // Outside any fence, the last lines are the navigation and the footer.
      const fences = page.split("\n").filter((line) => /^(`{3,}|~{3,})/.test(line)).length;
      expect(fences % 2, page).toBe(0);
      expect(page.trimEnd().endsWith("*Generated by flowlet-tutorial.*")).toBe(true);
      for (const block of findMermaidBlocks(page)) expect(mermaidProblems(block.source)).toEqual([]);
    }
    expect(pages[0]!.startsWith("# Chapter 1: Concept 1\n\nWrapped in a fence that is never closed.")).toBe(true);
    expect(pages[1]).toContain("```python\nprint('never closed')\n```\n\n← Previous: [Concept 1](01_concept_1.md) · [Contents](index.md)");
    expect(pages[2]).toContain('A["App (main)"] --> B["Router3"]');
    expect(pages[3]).toContain(DROPPED_DIAGRAM);
    expect(pages[3]).not.toContain("Router4");
  }, 60_000);
});

describe("--dry-run accuracy", () => {
  const cases: [string, () => SourceFile[], RealLimits][] = [
    ["PocketFlow-like", () => pocketflowLike(40), { model: "gpt-4o", contextTokens: 128_000, maxOutputTokens: 16_384 }],
    ["express-like", () => expressLike(), { model: "gpt-4o", contextTokens: 128_000, maxOutputTokens: 16_384 }],
    ["a large generated repository", () => largeRepository(400), { model: "gpt-4o", contextTokens: 32_000, maxOutputTokens: 8192 }],
  ];
  for (const [name, make, limits] of cases) {
    it(`estimates what ${name} sends within ±33%`, async () => {
      const files = make();
      const plan = planTutorial({ files, maxAbstractions: 5, window: limits, model: limits.model, projectName: "project" });
      await run({ limits, files, handler: observe(modelLikeReply({ fileCount: files.length }), noViolations()) });
      const sent = fake!.requests.reduce((sum, request) => sum + promptTokensOf(request, limits.model), 0);
      const ratio = plan.estimatedTokens / sent;
      if (process.env.FLOWLET_PRINT_PLAN) console.log(`${name}: planned ${plan.estimatedTokens}, sent ${sent}, ratio ${ratio.toFixed(2)}`);
      expect(ratio, `${name}: planned ${plan.estimatedTokens}, sent ${sent}`).toBeGreaterThan(0.67);
      expect(ratio, `${name}: planned ${plan.estimatedTokens}, sent ${sent}`).toBeLessThan(1.33);
      expect(plan.plannedCalls).toBe(fake!.requests.length);
    }, 120_000);
  }
});

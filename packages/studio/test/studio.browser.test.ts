import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LLM, createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { FileSaver } from "@flowlet/file-saver";
import type { CheckpointSaver, GraphDescription } from "flowlet";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReviewFlow } from "../../../cookbook/human-in-the-loop/flow.js";
import type { ReviewStore } from "../../../cookbook/human-in-the-loop/nodes.js";
import { createArticleFlow } from "../../../cookbook/workflow/flow.js";
import type { ArticleStore } from "../../../cookbook/workflow/nodes.js";
import { CLIENT_BUILD_TIMEOUT, buildClientIfStale } from "./built-client.js";
import { launchChromium } from "./chromium.js";
import { scriptLLM } from "./fixtures/llm-script.js";
import { spawnStudio } from "./studio-process.js";

const here = dirname(fileURLToPath(import.meta.url));
/** Screenshots of every page, for people to look at: gitignored. */
const ARTIFACTS = join(here, "..", "test-artifacts");

let fake: FakeLLM;
let gate: ReturnType<typeof scriptLLM>;
let saver: CheckpointSaver;
let studio: Awaited<ReturnType<typeof spawnStudio>>;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let page: Page;
let work: string;
let checkpoints: string;

/**
 * The LLM the cookbook flows get: their nodes pass `record: ctx`, so each request reaches the run's
 * event log through the engine, as any app's would.
 */
function llm(): LLM {
  return createLLM({ ...fake.config, prices: { [fake.config.model]: { input: 0.15, output: 0.6 } } });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "studio-test-"));
  // The UI as `npm run build:client -w @flowlet/studio` builds it: rebuilt when its sources changed.
  await buildClientIfStale();
  fake = await startFakeLLM();
  gate = scriptLLM(fake);
  checkpoints = join(work, "runs");
  saver = new FileSaver(checkpoints, { fsync: false });
  const article = await createArticleFlow(llm()).run({ topic: "small tools" } as ArticleStore, {
    checkpoint: saver,
    runId: "article-1",
  });
  expect(article.status).toBe("completed");
  const review = await createReviewFlow(llm()).run({ topic: "the release", feedback: [] } as ReviewStore, {
    checkpoint: saver,
    runId: "review-1",
  });
  expect(review.status).toBe("interrupted");
  const flows = ["article-flow.ts", "review-flow.ts"].flatMap((file) => ["--flow", join(here, "fixtures", file)]);
  studio = await spawnStudio(["--checkpoints", checkpoints, ...flows], {
    FLOWLET_LLM_PROVIDER: "openai",
    FLOWLET_LLM_BASE_URL: fake.config.baseURL,
    FLOWLET_LLM_API_KEY: fake.config.apiKey!,
    FLOWLET_LLM_MODEL: fake.config.model,
  });
  browser = await launchChromium();
  context = browser.context;
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
}, CLIENT_BUILD_TIMEOUT + 60_000);

afterAll(async () => {
  await browser?.close();
  await studio?.stop();
  await fake?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("Studio in a real browser, on runs of cookbook flows", () => {
  it("lists the runs, and filters them by status", async () => {
    await page.goto(studio.url);
    await page.locator("tr.run-row").nth(1).waitFor();
    expect(await page.locator("tr.run-row").count()).toBe(2);
    await shot("runs");
    await page.selectOption("#status-filter", "interrupted");
    await page.waitForFunction(() => document.querySelectorAll("tr.run-row").length === 1);
    expect(await page.locator("tr.run-row").getAttribute("data-run")).toBe("review-1");
    await page.selectOption("#status-filter", "");
    await page.waitForFunction(() => document.querySelectorAll("tr.run-row").length === 2);
  });

  it("opens a run and draws its graph: one box per node, the current one highlighted", async () => {
    await page.click('a[href="#/run/article-1/graph"]');
    await page.locator("#graph svg").waitFor();
    const boxes = await page.locator("#graph svg g.node").count();
    expect(boxes).toBe(3); // Outliner, BatchDrafter, Combiner
    expect(await page.locator("#graph").getAttribute("data-nodes")).toBe("3");
    // The run's last step is the flow's own end: select the outline step, and its node lights up.
    await page.goto(`${studio.url}#/run/article-1/graph?step=1`);
    await page.locator("#graph svg g.node.current").waitFor();
    expect(await page.locator("#graph svg g.node.current").count()).toBe(1);
    expect(await page.locator("#graph svg g.node.current").textContent()).toContain("Outliner");
    await shot("graph");
  });

  it("steps through the timeline", async () => {
    await page.click("#tab-timeline");
    await page.locator("#steps tr.step").first().waitFor();
    const steps = await page.locator("#steps tr.step").count();
    expect(steps).toBeGreaterThanOrEqual(3);
    // The engine logs each batch item's start and end: the drafter's three sections are three lanes.
    for (let i = 0; i < 3; i++) expect(await page.locator(`#lanes .lane[data-lane="BatchDrafter item ${i}"] .bar`).count()).toBe(1);
    await page.locator('#steps tr.step[data-seq="1"]').click();
    await page.locator('#steps tr.selected[data-seq="1"]').waitFor();
    await page.click("#step-next");
    await page.locator('#steps tr.selected[data-seq="2"]').waitFor();
    await page.click("#step-prev");
    await page.locator('#steps tr.selected[data-seq="1"]').waitFor();
    expect(await page.locator("#step-current").textContent()).toBe(`step 1 of ${steps}`);
    // The event log gives each step its duration and action, and each node visit a bar.
    expect(await page.locator('#steps tr.step[data-seq="1"] td').nth(5).textContent()).toBe("default");
    // A duration in ms, or in seconds when a loaded machine made the step slow (3.7 s has been seen).
    expect(await page.locator('#steps tr.step[data-seq="1"] td').nth(4).textContent()).toMatch(/^(\d+ ms|\d+\.\d s)$/);
    expect(await page.locator('#lanes .lane[data-lane="main"] .bar').count()).toBeGreaterThanOrEqual(3);
    await shot("timeline");
  });

  it("shows the store at a step and its diff against the step before", async () => {
    await page.click("#tab-state");
    await page.locator("#state-json").waitFor();
    expect(await page.locator("#state-json").textContent()).toContain('"title": "On small tools"');
    await page.locator('#diff .change.added[data-path=".outline"]').waitFor();
    await page.click("#state-next");
    await page.waitForFunction(() => (document.querySelector("#state-step") as HTMLSelectElement | null)?.value === "2");
    // The combiner's step adds the article and changes nothing else.
    const combined = (await saver.list("article-1")).find((c) => c.node.endsWith("/Combiner"))!.seq;
    await page.selectOption("#state-step", String(combined));
    await page.locator('#diff .change.added[data-path=".article"]').waitFor();
    expect(await page.locator("#diff .change").count()).toBe(1);
    await shot("state");
  });

  it("lists the LLM calls with tokens and cost, and never shows a secret", async () => {
    await page.click("#tab-llm");
    await page.locator("#llm-totals").waitFor();
    expect(await page.locator("#llm-totals").textContent()).toMatch(/^4 calls, [\d,]+ input \+ [\d,]+ output tokens, \$\d/);
    // The second call drafts a section: its prompt and reply were recorded.
    await page.locator(".llm-call summary").nth(1).click();
    await page.locator(".llm-call[open] pre").nth(1).waitFor();
    expect(await page.locator(".llm-call[open] pre").first().textContent()).toContain('Write the section "Why small"');
    expect(await page.locator(".llm-call[open] pre").nth(1).textContent()).toBe("Draft of Why small.");
    expect(await page.content()).not.toContain(fake.config.apiKey!);
    await shot("llm");
  });

  it("answers an interrupt from the UI, and the run completes", async () => {
    await page.goto(`${studio.url}#/run/review-1/interrupts`);
    await page.locator("#interrupt-payload").waitFor();
    expect(await page.locator("#interrupt-payload").textContent()).toContain('"draft": "Flowlet 0.1 is out."');
    await page.fill("#answer", JSON.stringify({ round: 0, approved: true }));
    await shot("interrupts");
    await page.click("#send-answer");
    await page.locator('.run-header [data-status="completed"]').waitFor();
    await page.click("#tab-state");
    await page.locator("#state-json").waitFor();
    expect(await page.locator("#state-json").textContent()).toContain('"published": "Flowlet 0.1 is out."');
  });

  it("without --flow, draws every run's graph from the registry, with one box per node", async () => {
    const bare = await spawnStudio(["--checkpoints", checkpoints]);
    try {
      for (const runId of ["article-1", "review-1"]) {
        const graph = JSON.parse((await saver.run(runId))?.graph ?? "null") as GraphDescription;
        const boxes = (g: GraphDescription): number => g.nodes.reduce((n, node) => n + 1 + (node.graph ? boxes(node.graph) : 0), 0);
        expect(boxes(graph)).toBeGreaterThanOrEqual(3);
        await page.goto(`${bare.url}#/run/${runId}/graph`);
        await page.locator(`#graph[data-nodes="${boxes(graph)}"] svg`).waitFor();
        // Leaves are Mermaid nodes; nested flows, if any, are its clusters.
        const leaves = (g: GraphDescription): number => g.nodes.reduce((n, node) => n + (node.graph ? leaves(node.graph) : 1), 0);
        expect(await page.locator("#graph svg g.node").count()).toBe(leaves(graph));
        await shot(`graph-${runId}-registry`);
      }
    } finally {
      await bare.stop();
    }
  });

  it("without --flow, shows the command that answers the interrupt", async () => {
    const review = await createReviewFlow(llm()).run({ topic: "the next release", feedback: [] } as ReviewStore, {
      checkpoint: saver,
      runId: "review-2",
    });
    expect(review.status).toBe("interrupted");
    const bare = await spawnStudio(["--checkpoints", checkpoints]);
    try {
      await page.goto(`${bare.url}#/run/review-2/interrupts`);
      await page.locator("#answer-command").waitFor();
      expect(await page.locator("#answer-command pre").textContent()).toBe(
        'await flow.resume("review-2", { checkpoint: saver, resumeWith: ANSWER });',
      );
      expect(await page.locator("#send-answer").count()).toBe(0);
      await shot("interrupts-command");
    } finally {
      await bare.stop();
    }
  });

  it("forks a run from a step with an edited state", async () => {
    await page.goto(`${studio.url}#/run/article-1/fork?step=1`);
    await page.locator("#fork-state").waitFor();
    const state = JSON.parse(await page.locator("#fork-state").inputValue()) as ArticleStore;
    state.outline = { title: "Edited", sections: ["One", "Two"] };
    await page.fill("#fork-state", JSON.stringify(state, null, 2));
    await page.fill("#fork-id", "article-1-edited");
    await shot("fork");
    await page.click("#fork-submit");
    await page.waitForURL(/#\/run\/article-1-edited\/timeline/);
    await page.locator('.run-header [data-status="completed"]').waitFor();
    await page.click("#tab-state");
    await page.locator("#state-json").waitFor();
    expect(await page.locator("#state-json").textContent()).toContain("# Edited\\n\\n## One\\n\\nDraft of One.");
    expect(await page.locator(".run-header").textContent()).toContain("forked from article-1 @ step 1");
  });

  it("watches a live run advance without a reload", async () => {
    const running = createArticleFlow(llm()).run({ topic: "live tools" } as ArticleStore, {
      checkpoint: saver,
      runId: "live-1",
    });
    gate.release(); // the outline
    await expect.poll(async () => (await saver.run("live-1"))?.steps ?? 0).toBeGreaterThan(0);
    await page.goto(`${studio.url}#/run/live-1/timeline`);
    await page.locator("#live-dot").waitFor();
    const before = await page.locator("#steps tr.step").count();
    await shot("live");
    for (let i = 0; i < 3; i++) gate.release(); // the three sections
    await page.locator('.run-header [data-status="completed"]').waitFor();
    await expect.poll(() => page.locator("#steps tr.step").count()).toBeGreaterThan(before);
    expect((await running).status).toBe("completed");
  });
});

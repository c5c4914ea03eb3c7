import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chapterOf, kindOf, type Script, tutorReply } from "./fixtures/pipeline-support/fake-tutor.js";
import { runCli } from "./fixtures/run-cli.js";

// README.md, src/cart.ts, src/catalog.ts, src/checkout.ts, src/payment.ts
const SHOP = fileURLToPath(new URL("./fixtures/pipeline-shop", import.meta.url));
const API_KEY = "sk-cli-test-secret-key";

const script: Script = {
  abstractions: [
    { name: "Catalog", description: "Where products live. Like a shelf.", files: [2] },
    { name: "Cart", description: "What the customer picked. Like a basket.", files: [1, 2] },
    { name: "Checkout", description: "Charges the customer. Like the till.", files: [3, 1] },
    { name: "Payment", description: "The bank side. Like a card terminal.", files: [4] },
  ],
  summary: "Tiny Shop sells products from a catalog.",
  relationships: [
    { from: 1, to: 0, label: "Looks up prices in" },
    { from: 2, to: 1, label: "Totals" },
    { from: 2, to: 3, label: "Charges via" },
  ],
  order: [0, 1, 2, 3],
};

let fake: FakeLLM;
let scratch: string;

beforeEach(async () => {
  fake = await startFakeLLM({ provider: "openai", apiKey: API_KEY });
  scratch = await mkdtemp(join(tmpdir(), "flowlet-cli-llm-"));
});

afterEach(async () => {
  await fake.close();
  await rm(scratch, { recursive: true, force: true });
});

const env = () => ({
  FLOWLET_LLM_PROVIDER: "openai",
  FLOWLET_LLM_BASE_URL: fake.config.baseURL!,
  FLOWLET_LLM_MODEL: fake.config.model!,
  FLOWLET_LLM_API_KEY: API_KEY,
});

/** Every file under `folder`, recursively, as text. */
async function allText(folder: string): Promise<string> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return (await Promise.all(files.map((file) => readFile(file, "utf8")))).join("\n");
}

describe("flowlet-tutorial CLI with an LLM (fake OpenAI-compatible server on 127.0.0.1)", () => {
  it("writes the LLM tutorial, reports progress, and keeps the API key out of output, cache and checkpoints", async () => {
    fake.respond((request) => tutorReply(script, request));
    const output = join(scratch, "out");
    const { code, stdout, stderr } = await runCli(["--dir", SHOP, "--output", output, "--name", "tiny-shop"], { env: env() });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Wrote .*tiny-shop\/index\.md and 4 chapters from 5 files\.$/m);
    expect(stdout).not.toContain("Structure-only");
    expect(stderr).toMatch(/Using openai model/);
    expect(fake.requests.map(kindOf)).toEqual(expect.arrayContaining(["identify", "relationships", "order", "chapter"]));
    const written = await allText(output);
    expect(written).toContain("Tiny Shop sells products from a catalog.");
    expect(`${stdout}${stderr}${written}`).not.toContain(API_KEY);
  });

  it("fails with exit 1 and a --resume hint, then --resume finishes without asking again for what was done", async () => {
    let healed = false;
    fake.respond((request) =>
      kindOf(request) === "chapter" && chapterOf(request) >= 3 && !healed
        ? { status: 400, error: "model overloaded" }
        : tutorReply(script, request),
    );
    const output = join(scratch, "out");
    const args = ["--dir", SHOP, "--output", output, "--name", "tiny-shop", "--no-cache", "--concurrency", "1"];
    const failed = await runCli(args, { env: env() });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split("\n").at(-1)).toMatch(/^error: .*Run the same command with --resume/);

    healed = true;
    const before = fake.requests.length;
    const resumed = await runCli([...args, "--resume"], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const again = fake.requests.slice(before);
    // Only the unfinished chapters were asked for: the analysis steps and chapters 1–2 came from the checkpoint.
    expect(again.map(kindOf)).not.toContain("identify");
    expect(again.map(kindOf)).not.toContain("order");
    expect(
      again
        .filter((request) => kindOf(request) === "chapter")
        .map(chapterOf)
        .sort(),
    ).toEqual([3, 4]);
    // The chapter count continues from the checkpoint: 2 of 4 were done, so it never shows 0/4.
    expect(resumed.stderr).toMatch(/chapters · 2\/4/);
    expect(resumed.stderr).not.toMatch(/chapters · [01]\/4/);
    expect(resumed.stderr).toMatch(/Resuming run "tiny-shop-[0-9a-f]+" after /);
    expect(resumed.stdout).toMatch(/and 4 chapters/);
  });
});

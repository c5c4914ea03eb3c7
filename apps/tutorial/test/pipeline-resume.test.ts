import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { FileSaver } from "@flowlet/file-saver";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { readCheckpoint } from "flowlet";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Script, chapterOf, kindOf, tutorReply } from "./fixtures/pipeline-support/fake-tutor.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const runner = join(here, "fixtures/pipeline-support/run-tutorial.ts");

const script: Script = {
  abstractions: Array.from({ length: 6 }, (_, i) => ({ name: `Part ${i}`, description: `Part number ${i}.`, files: [i % 5] })),
  summary: "Six parts.",
  relationships: [{ from: 0, to: 1, label: "uses" }],
  order: [0, 1, 2, 3, 4, 5],
};

let fake: FakeLLM;
let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  fake = await startFakeLLM();
  dir = mkdtempSync(join(tmpdir(), "pipeline-resume-"));
});

afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(resume: boolean): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; output: string }> } {
  const options = { llm: fake.config, dir, resume, concurrency: 2 };
  const child = spawn(process.execPath, ["--conditions=@flowlet/source", "--import", "tsx", runner, JSON.stringify(options)], {
    cwd: root,
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exit };
}

/** Identities of the chapters (batch items) the run's latest checkpoint records as written. */
async function checkpointedChapters(): Promise<string[]> {
  const base = join(dir, "checkpoints");
  if (!existsSync(base)) return [];
  const [run] = await new FileSaver(base).runs();
  const checkpoint = run && (await readCheckpoint(new FileSaver(base), run.runId, { onCorrupt: () => {} }));
  if (!checkpoint) return [];
  return Object.values(checkpoint.frames).flatMap((frame) => (frame.kind === "batch" ? Object.keys(frame.done ?? {}) : []));
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// Two child processes start under tsx: generous time for a loaded CI machine.
it("resumes a run killed mid-chapters without asking for any finished chapter again", { timeout: 60_000 }, async () => {
  // First process: chapters 1 and 2 are answered, every later chapter hangs until the process dies.
  let answerAll = false;
  fake.respond((request) =>
    kindOf(request) === "chapter" && chapterOf(request) > 2 && !answerAll ? { hang: true } : tutorReply(script, request),
  );

  const first = start(false);
  await until(
    async () => (await checkpointedChapters()).length === 2 && fake.requests.filter((r) => kindOf(r) === "chapter").length === 4,
    "two chapters checkpointed",
  );
  first.child.kill("SIGKILL");
  expect((await first.exit).signal).toBe("SIGKILL");
  // Items are known by identity (a hash of each chapter's input), not by index.
  expect(await checkpointedChapters()).toHaveLength(2);
  const before = fake.requests.length;
  expect(fake.requests.map(kindOf).slice(0, 3)).toEqual(["identify", "relationships", "order"]);

  // Second process: resumes from the checkpoint.
  answerAll = true;
  const second = start(true);
  const { code, output } = await second.exit;
  expect(code, output).toBe(0);

  const resumed = fake.requests.slice(before);
  expect(resumed.map(kindOf)).toEqual(["chapter", "chapter", "chapter", "chapter"]);
  expect(resumed.map(chapterOf).sort()).toEqual([3, 4, 5, 6]);
  expect(output).toContain('"stage":"resume"');

  const out = join(dir, "out", "tiny-shop");
  expect(readdirSync(out).sort()).toEqual([
    "01_part_0.md",
    "02_part_1.md",
    "03_part_2.md",
    "04_part_3.md",
    "05_part_4.md",
    "06_part_5.md",
    "index.md",
  ]);
  for (const [i, file] of readdirSync(out)
    .filter((f) => f !== "index.md")
    .sort()
    .entries()) {
    expect(readFileSync(join(out, file), "utf8").startsWith(`# Chapter ${i + 1}: Part ${i}\n`)).toBe(true);
  }
});

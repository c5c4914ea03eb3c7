import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMermaidBlocks, mermaidProblems } from "../src/markdown/index.js";
import { brokenLinks } from "./fixtures/markdown-checks.js";
import { COMMONJS, PYTHON, writeProject } from "./fixtures/offline-projects.js";
import { runCli } from "./fixtures/run-cli.js";

// Two small projects written by the test itself, explained offline by the real CLI, and the whole
// tutorial compared with a reviewed snapshot: what a beginner reads, page by page.

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flowlet-offline-snapshot-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI offline on `files` and returns every page, in file order, each under its name. */
async function tutorialOf(
  name: string,
  files: Record<string, string>,
): Promise<{ text: string; pages: Map<string, string>; stdout: string }> {
  const project = join(scratch, name);
  await writeProject(project, files);
  const output = join(scratch, `${name}-out`);
  const { code, stdout, stderr } = await runCli(["--dir", project, "--name", name, "--output", output]);
  expect(code, stderr).toBe(0);
  const folder = join(output, name);
  const names = (await readdir(folder)).sort();
  const pages = new Map<string, string>();
  for (const page of names) pages.set(page, await readFile(join(folder, page), "utf8"));
  for (const [page, text] of pages) {
    expect(brokenLinks(join(folder, page), text), page).toEqual([]);
    for (const block of findMermaidBlocks(text)) expect(mermaidProblems(block.source), `${page}:\n${block.source}`).toEqual([]);
  }
  return { text: [...pages].map(([page, body]) => `=== ${page}\n${body}`).join("\n"), pages, stdout };
}

describe("the offline tutorial a beginner reads (snapshots of projects made in the test)", () => {
  it("explains a CommonJS package: module.exports and exports.x, bin and main first, usage from the example and the test", async () => {
    const { text, pages, stdout } = await tutorialOf("greeter", COMMONJS);
    expect(stdout).toMatch(/Structure-only tutorial/);
    const index = pages.get("index.md")!;
    // Entry points come first, with how they are reached.
    expect(index).toContain('`bin/greet.js`: package.json "bin" (greet)');
    expect(index).toContain('`index.js`: package.json "main"');
    // CommonJS exports are found: not "exporting 0 symbols".
    expect(index).not.toMatch(/exporting 0 symbols/);
    expect(text).toContain("### `createGreeter` (function, line 8)");
    expect(text).toContain("### `shout` (function, line 4)");
    expect(text).toContain("From the example `examples/party/index.js`");
    expect(text).toContain("From the test `test/format.test.js`");
    // Configuration goes to the appendix, last.
    expect([...pages.keys()].at(-2)).toMatch(/appendix/);
    expect(text).toMatchSnapshot();
  });

  it("explains a Python package: __all__, classes with their methods, console script and __main__ first, usage from examples and tests", async () => {
    const { text, pages } = await tutorialOf("tasks", PYTHON);
    const index = pages.get("index.md")!;
    expect(index).toContain("`tasks/cli.py`: console script (tasks)");
    expect(index).toContain("`tasks/__main__.py`: python -m tasks");
    expect(text).toContain("Methods: `__init__`, `run`.");
    // __all__ decides what __init__ offers; `helper` is not listed there, but core.py has no __all__, so it is public there.
    expect(text).toContain("Re-exports `Task`, `Queue`, `run`.");
    expect(text).toContain("From the example `examples/nightly.py`");
    expect(text).toContain("From the test `tests/test_queue.py`");
    expect(index).toContain("\n\nA tiny task queue: add tasks, run them in order.\n\n");
    expect(text).toMatchSnapshot();
  });
});

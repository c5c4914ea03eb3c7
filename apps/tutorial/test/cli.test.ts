import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub } from "./fixtures/fake-github.js";
import { brokenLinks, flowchartProblems, mermaidBlocks } from "./fixtures/markdown-checks.js";
import { REPO_ROOT, runCli } from "./fixtures/run-cli.js";

let scratch: string;
let small: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flowlet-cli-"));
  small = join(scratch, "small");
  await mkdir(join(small, "src"), { recursive: true });
  await writeFile(join(small, "src", "index.ts"), 'import { latest } from "./latest.js";\nexport const main = () => latest;\n');
  await writeFile(join(small, "src", "latest.ts"), "/** The newest value. */\nexport const latest = 42;\n");
  await writeFile(join(small, "src", "latest.test.ts"), "it('works', () => {});\n");
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** An OpenAI-compatible endpoint that counts requests and rejects each with 401, as a server does for a bad key. */
async function countingServer() {
  let count = 0;
  const server = createServer((_request, response) => {
    count++;
    response
      .writeHead(401, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    count: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("flowlet-tutorial CLI (child process)", () => {
  it("--help documents every option", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--dir",
      "--repo",
      "-n, --name",
      "-t, --token",
      "-i, --include",
      "-e, --exclude",
      "-s, --max-size",
      "--language",
      "--max-abstractions",
      "-o, --output",
      "--no-cache",
      "--concurrency",
      "--context-tokens",
      "--llm",
      "--dry-run",
      "--resume",
      "-V, --version",
      "-h, --help",
      "GITHUB_TOKEN",
      "FLOWLET_LLM_PROVIDER",
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it("rejects invalid options with one clear line and exit code 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--bogus"], /unknown option '--bogus'/],
      [["--dir", ".", "--repo", "https://github.com/a/b"], /cannot be used with/],
      [["--max-size", "lots"], /--max-size.*'lots' is invalid/],
      [["--llm", "gpt"], /Allowed choices are none, openai, anthropic, gemini/],
      [["--dir", join(tmpdir(), "does-not-exist-flowlet")], /Directory not found/],
    ];
    // One process per case: each must exit with its own code. The first runs alone so that tsx's
    // on-disk cache holds the compiled CLI before the others start, instead of five processes
    // compiling it at once on a loaded machine.
    const first = await runCli(cases[0]![0]);
    const results = [first, ...(await Promise.all(cases.slice(1).map(([args]) => runCli(args))))];
    results.forEach(({ code, stdout, stderr }, i) => {
      expect(code, cases[i]![0].join(" ")).toBe(2);
      expect(stderr).toMatch(cases[i]![1]);
      expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
      expect(stderr).toMatch(/^error: /);
      expect(stdout).toBe("");
    });
    // Generous: under a full `npm test` on 2 shared cores, these starts from source have taken over 20 s.
  }, 120_000);

  it("reports an incomplete LLM configuration as a usage error naming the variable", async () => {
    const { code, stderr } = await runCli(["--dir", small, "--output", join(scratch, "unused")], {
      env: { FLOWLET_LLM_PROVIDER: "openai" },
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^error: .*FLOWLET_LLM_MODEL/);
  });

  it("--dry-run prints files, the token estimate and planned calls, and makes no LLM call", async () => {
    const llm = await countingServer();
    try {
      const output = join(scratch, "dry-run-output");
      const { code, stdout, stderr } = await runCli(["--dir", small, "--dry-run", "--output", output], {
        env: {
          FLOWLET_LLM_PROVIDER: "openai",
          FLOWLET_LLM_MODEL: "test-model",
          FLOWLET_LLM_BASE_URL: llm.url,
          FLOWLET_LLM_API_KEY: "sk-test-secret",
        },
      });
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^Files: 2 selected/m);
      expect(stdout).toMatch(/^ {2}src\/index\.ts {2}\d+ B$/m);
      expect(stdout).toMatch(/^ {2}src\/latest\.ts/m);
      expect(stdout).not.toContain("latest.test.ts");
      expect(stdout).toMatch(/^Estimated tokens: [\d,]+/m);
      expect(stdout).toMatch(/^Planned LLM calls: \d+ to openai model test-model$/m);
      expect(`${stdout}${stderr}`).not.toContain("sk-test-secret");
      expect(llm.count()).toBe(0);
      await expect(readdir(output)).rejects.toThrow();
    } finally {
      await llm.close();
    }
  });

  it("fails a run with exit code 1, a one-line message and a --resume hint, without leaking the key", async () => {
    const llm = await countingServer();
    try {
      const output = join(scratch, "failing-output");
      const { code, stderr } = await runCli(["--dir", small, "--output", output, "--max-abstractions", "2"], {
        env: {
          FLOWLET_LLM_PROVIDER: "openai",
          FLOWLET_LLM_MODEL: "test-model",
          FLOWLET_LLM_BASE_URL: llm.url,
          FLOWLET_LLM_API_KEY: "sk-test-secret",
        },
      });
      expect(code).toBe(1);
      const lastLine = stderr.trim().split("\n").at(-1)!;
      expect(lastLine).toMatch(/^error: .*Run the same command with --resume/);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain("sk-test-secret");
      expect(llm.count()).toBeGreaterThan(0);
    } finally {
      await llm.close();
    }
  });

  it("explains this repository offline: index.md, working chapter links, well-formed Mermaid", async () => {
    const output = join(scratch, "self");
    const { code, stdout, stderr } = await runCli(["--dir", ".", "--output", output, "--name", "flowlet"], { cwd: REPO_ROOT });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Structure-only tutorial: .*FLOWLET_LLM_PROVIDER/m);
    expect(stdout).toMatch(/^Wrote .*index\.md and \d+ chapters from \d+ files\.$/m);
    expect(stderr).toMatch(/^\[\d+:\d\d\] write chapters · \d+\/\d+$/m);

    const folder = join(output, "flowlet");
    const names = (await readdir(folder)).sort();
    expect(names[0]).toMatch(/^01_\S+\.md$/);
    expect(names).toContain("index.md");
    const index = await readFile(join(folder, "index.md"), "utf8");
    expect(index.split("\n").slice(0, 3).join("\n")).toMatch(/# Tutorial: flowlet\n\n> \*\*Structure-only tutorial:\*\*/);
    const pages = await Promise.all(
      names.map(async (name) => ({ path: join(folder, name), text: await readFile(join(folder, name), "utf8") })),
    );
    let diagrams = 0;
    for (const page of pages) {
      expect(brokenLinks(page.path, page.text), page.path).toEqual([]);
      for (const diagram of mermaidBlocks(page.text)) {
        diagrams++;
        expect(flowchartProblems(diagram), diagram).toEqual([]);
      }
    }
    expect(diagrams).toBeGreaterThan(1);
    // The core's chapter documents its exports, doc comments included.
    const all = pages.map((page) => page.text).join("\n");
    expect(all).toMatch(/### `Flow` \(class, line \d+\)/);
    expect(all).toContain("## `packages/flowlet/src/node.ts`");
    // Tests are excluded by default: this very file is not explained (it may be quoted as usage).
    expect(all).not.toContain("## `apps/tutorial/test/cli.test.ts`");
    expect(index).not.toContain("cli.test.ts");
  }, 60_000);

  it("reads a GitHub repository through the API named by FLOWLET_GITHUB_API_URL, never showing the token", async () => {
    const github = await startFakeGitHub({
      owner: "acme",
      repo: "demo",
      branches: {
        main: [
          { path: "src/app.py", content: '"""App."""\nfrom . import db\n\ndef run():\n    return db.connect()\n' },
          { path: "src/db.py", content: "def connect():\n    pass\n" },
        ],
      },
    });
    try {
      const output = join(scratch, "github");
      const { code, stdout, stderr } = await runCli(
        ["--repo", "https://github.com/acme/demo", "--output", output, "-t", "ghp_cli_secret"],
        {
          env: { FLOWLET_GITHUB_API_URL: github.url },
        },
      );
      expect(code, stderr).toBe(0);
      expect(`${stdout}${stderr}`).not.toContain("ghp_cli_secret");
      const index = await readFile(join(output, "demo", "index.md"), "utf8");
      expect(index).toContain("**Source:** [https://github.com/acme/demo/tree/main](https://github.com/acme/demo/tree/main)");
      const pages = await readdir(join(output, "demo"));
      const texts = await Promise.all(pages.map((name) => readFile(join(output, "demo", name), "utf8")));
      expect(texts.join("\n")).not.toContain("ghp_cli_secret");
      expect(texts.join("\n")).toContain("Imports `src/db.py`.");
      expect(github.requests.every((request) => request.headers.authorization === "Bearer ghp_cli_secret")).toBe(true);
    } finally {
      await github.close();
    }
  });
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteSaver } from "@flowlet/sqlite";
import { Flow, Node } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_BUILD_TIMEOUT, buildClientIfStale } from "./built-client.js";
import { spawnStudio } from "./studio-process.js";

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

class Count extends Node<{ n: number }> {
  override post(shared: { n: number }): string | undefined {
    shared.n++;
    return shared.n < 3 ? "again" : undefined;
  }
}

beforeAll(async () => {
  await buildClientIfStale(); // the command serves the built UI
  dir = mkdtempSync(join(tmpdir(), "studio-cli-"));
  const saver = new SqliteSaver(join(dir, "runs.db"));
  const count = new Count();
  count.on("again", count);
  const warnings: string[] = [];
  await new Flow(count, { name: "Counter" }).run(
    { n: 0 },
    { checkpoint: saver, runId: "count-1", onWarning: (w) => void warnings.push(w.code) },
  );
  expect(warnings).toEqual(["flowEnds"]); // the loop ends by an action with no edge, as it means to
  saver.close();
}, CLIENT_BUILD_TIMEOUT + 20_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("flowlet-studio, the command", () => {
  it("serves the runs of a SQLite file, states included, on the address it prints", async () => {
    const studio = await spawnStudio(["--checkpoints", join(dir, "runs.db")]);
    try {
      expect(studio.output()).toMatch(/runs from SqliteSaver/);
      const page = (await (await fetch(`${studio.url}api/runs`)).json()) as {
        total: number;
        runs: { runId: string; status: string; steps: number }[];
      };
      expect(page.total).toBe(1);
      expect(page.runs[0]).toMatchObject({ runId: "count-1", status: "completed" });
      const state = (await (await fetch(`${studio.url}api/runs/count-1/state?seq=2`)).json()) as { shared: unknown; changes: unknown[] };
      expect(state.shared).toEqual({ n: 2 });
      expect(state.changes).toEqual([{ path: ["n"], kind: "changed", before: 1, after: 2 }]);
      const html = await (await fetch(studio.url)).text();
      expect(html).toContain('<script type="module" src="/assets/app.js">');
    } finally {
      await studio.stop();
    }
  });

  it("says what is wrong, with exit code 2, for a missing or unknown --checkpoints", () => {
    const cli = join(here, "..", "src", "cli.ts");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", cli, ...args], { encoding: "utf8" });
    const missing = run("--checkpoints", join(dir, "nope"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("no such file or directory. Give the folder of a FileSaver");
    const none = run();
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("Give --checkpoints");
    const badFlow = run("--checkpoints", dir, "--flow", join(here, "registry.ts"));
    expect(badFlow.status).toBe(2);
    expect(badFlow.stderr).toContain("exports no Flow");
  });
});

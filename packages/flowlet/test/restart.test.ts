/** Breakpoints and parallel branches across a process restart: real child processes, real files. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { FileSaver } from "@flowlet/file-saver";
import { readCheckpoint } from "flowlet";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/restart.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flowlet-restart-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(mode: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", fixture, mode, dir], { cwd: root });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
  return { child, exited };
}

async function run(mode: string): Promise<unknown> {
  const { code, out, err } = await start(mode).exited;
  expect(err).toBe("");
  expect(code).toBe(0);
  return JSON.parse(out);
}

const ran = () => (existsSync(join(dir, "ran.txt")) ? readFileSync(join(dir, "ran.txt"), "utf8").trim().split("\n") : []);

describe("across a process restart", () => {
  it("a breakpoint pauses one process, and a fresh process resumes through it", async () => {
    expect(await run("run")).toEqual({ status: "interrupted", payload: { breakpoint: "before", node: "Pipeline/Publish" } });
    expect(ran()).toEqual(["Draft", "Review"]);
    expect(await run("resume")).toEqual({ status: "completed" });
    expect(ran()).toEqual(["Draft", "Review", "Publish"]);
  }, 60_000);

  it("parallel branches resume after a crash: a finished branch is not run again", async () => {
    const crashing = start("branches");
    // Kill the process (SIGKILL: no cleanup) once the fast branch is checkpointed and the slow one runs.
    const fastDone = async () => (await readCheckpoint(new FileSaver(dir), "br", { onCorrupt: () => {} }))?.frames["0"];
    for (let i = 0; i < 600 && !(ran().includes("Slow") && (await fastDone())); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await fastDone()).toEqual({ kind: "batchFlow", done: { "0": "default" } });
    crashing.child.kill("SIGKILL");
    expect((await crashing.exited).code).toBe(null);
    expect(ran().sort()).toEqual(["Fast", "Slow"]);

    expect(await run("resume-branches")).toEqual({ status: "completed" });
    expect(ran().sort()).toEqual(["Fast", "Join", "Slow", "Slow"]);
  }, 60_000);

  it("a flow's own prep, top-level and nested, is applied once across a SIGKILL inside the nested flow", async () => {
    const crashing = start("preps");
    // Kill once the nested flow has recorded its first step (B) and runs Slow.
    const nestedAt = async () => (await readCheckpoint(new FileSaver(dir), "pr", { onCorrupt: () => {} }))?.frames["1"];
    for (let i = 0; i < 600 && !(ran().includes("Slow") && (await nestedAt())); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await nestedAt()).toMatchObject({ kind: "flow", next: 1 });
    crashing.child.kill("SIGKILL");
    expect((await crashing.exited).code).toBe(null);

    expect(await run("resume-preps")).toEqual({
      status: "completed",
      shared: { top: 1, nested: 1, log: ["prep top", "prep nested"] },
    });
    expect(ran()).toEqual(["A", "B", "Slow", "Slow"]);
  }, 60_000);
});

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { type Checkpoint, MemorySaver, readCheckpoint } from "flowlet";
import { afterAll, describe, expect, it } from "vitest";
import { type CrashShared, PARALLELISM, buildCrashFlow } from "./crash/flow.js";

// FLOWLET_QUICK=1 for a quick local loop; the test command always does the full 50 kills.
const KILLS = process.env.FLOWLET_QUICK ? 8 : 50;
const child = join(import.meta.dirname, "crash", "child.ts");
const root = mkdtempSync(join(tmpdir(), "flowlet-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the child; resolves once it is about to run, with a promise of its final shared state. */
function start(runId: string, mode: "run" | "resume", log: string) {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", child, root, runId, mode, log], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => {
    err += d;
  });
  const ready = new Promise<void>((resolve) => {
    proc.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) resolve();
    });
  });
  const exit = new Promise<{ shared?: CrashShared; signal: NodeJS.Signals | null }>((resolve, reject) => {
    proc.on("exit", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith("result "));
      if (line) return resolve({ shared: JSON.parse(line.slice(7)), signal });
      if (signal === "SIGKILL") return resolve({ signal });
      reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
  return { proc, ready, exit };
}

const labels = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

/** What a checkpoint records as finished: chain nodes by name, batch items by index. */
function finishedIn(checkpoint: Checkpoint | undefined): Set<string> {
  const done = new Set<string>((checkpoint?.shared as CrashShared | undefined)?.done ?? []);
  for (const frame of Object.values(checkpoint?.frames ?? {})) {
    if (frame.kind === "batch") for (const i of Object.keys(frame.done)) done.add(`P${i}`);
  }
  return done;
}

describe("crash-resume with the file saver", () => {
  it(`survives ${KILLS} SIGKILLs at random points with the same result and no finished work redone`, async () => {
    const reference: CrashShared = { done: [], total: 0 };
    const full = await buildCrashFlow().run(reference, { checkpoint: new MemorySaver(), runId: "ref" });
    expect(full.status).toBe("completed");
    expect(reference.done).toHaveLength(251);

    const saver = new FileSaver(root);
    let kills = 0;
    let episodes = 0;
    let partialResumes = 0;
    while (kills < KILLS) {
      const runId = `episode-${episodes++}`;
      let finished: CrashShared | undefined;
      for (let segment = 0; !finished; segment++) {
        const log = join(root, `${runId}-${segment}.log`);
        const before = await readCheckpoint(saver, runId, { onCorrupt: () => {} });
        // A kill before the first checkpoint leaves nothing to resume: the run starts over, as a user's would.
        const { proc, ready, exit }: { proc: ChildProcess } & ReturnType<typeof start> = start(runId, before ? "resume" : "run", log);
        await ready;
        if (kills < KILLS) setTimeout(() => proc.kill("SIGKILL"), Math.random() * 700);
        const { shared, signal } = await exit;
        if (signal === "SIGKILL") kills++;
        finished = shared;

        // Nothing the resumed-from checkpoint holds as finished may run again...
        const ran = labels(log);
        const finishedBefore = finishedIn(before);
        if (before && before.status === "running" && finishedBefore.size > 0) partialResumes++;
        expect(ran.filter((label) => finishedBefore.has(label))).toEqual([]);
        // ...and at most what was in flight at the last kill runs twice.
        if (segment > 0) {
          const previous = new Set(labels(join(root, `${runId}-${segment - 1}.log`)));
          const reruns = ran.filter((label) => previous.has(label));
          expect(reruns.length).toBeLessThanOrEqual(PARALLELISM);
        }
      }
      expect(finished).toEqual(reference);
    }
    expect(kills).toBe(KILLS);
    // The kills really landed mid-run: most resumes continued a half-done run.
    expect(partialResumes).toBeGreaterThan(KILLS / 2);
  }, 300_000);
});

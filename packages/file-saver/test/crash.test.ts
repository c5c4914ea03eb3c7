import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { type Checkpoint, MemorySaver, readCheckpoint } from "flowlet";
import { afterAll, describe, expect, it } from "vitest";
import { type CrashShared, PARALLELISM, buildCrashFlow } from "./crash/flow.js";

// FLOWLET_QUICK=1 for a quick local loop; FLOWLET_CRASH_KILLS=500 for a long soak. The default keeps CI modest.
const KILLS = process.env.FLOWLET_QUICK ? 8 : Number(process.env.FLOWLET_CRASH_KILLS ?? 24);
const child = join(import.meta.dirname, "crash", "child.ts");
const root = mkdtempSync(join(tmpdir(), "flowlet-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the child; resolves once it is about to run, with a promise of its final shared state. */
function start(runId: string, mode: "run" | "resume", log: string, seed: number) {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", child, root, runId, mode, log, String(seed)], {
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
  const exit = new Promise<{ shared?: CrashShared; signal: NodeJS.Signals | null; locked?: boolean }>((resolve, reject) => {
    proc.on("exit", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith("result "));
      if (line) return resolve({ shared: JSON.parse(line.slice(7)), signal });
      if (out.includes("locked\n")) return resolve({ signal, locked: true });
      if (signal === "SIGKILL") return resolve({ signal });
      reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
  return { proc, ready, exit };
}

const labels = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

/** What a checkpoint records as finished: chain nodes by name, batch items by their result (item i gives i²). */
function finishedIn(checkpoint: Checkpoint | undefined): Set<string> {
  const done = new Set<string>((checkpoint?.shared as CrashShared | undefined)?.done ?? []);
  for (const frame of Object.values(checkpoint?.frames ?? {})) {
    if (frame.kind === "batch") for (const square of Object.values(frame.done)) done.add(`P${Math.sqrt(square as number)}`);
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
    let raced = 0;
    while (kills < KILLS) {
      const runId = `episode-${episodes++}`;
      let finished: CrashShared | undefined;
      for (let segment = 0; !finished; segment++) {
        const log = join(root, `${runId}-${segment}.log`);
        const before = await readCheckpoint(saver, runId, { onCorrupt: () => {} });
        // A kill before the first checkpoint leaves nothing to resume: the run starts over, as a user's would.
        // Every resume has a rival: two processes resume at once, and the lease lets exactly one run.
        // Each process gets the batch's items in another order.
        const seed = episodes * 1000 + segment;
        const racers = before
          ? [start(runId, "resume", log, seed), start(runId, "resume", `${log}.rival`, seed + 500)]
          : [start(runId, "run", log, seed)];
        await Promise.all(racers.map((r) => r.ready));
        if (kills < KILLS) {
          setTimeout(() => {
            for (const r of racers) r.proc.kill("SIGKILL");
          }, Math.random() * 700);
        }
        const exits = await Promise.all(racers.map((r) => r.exit));
        if (exits.some((e) => e.signal === "SIGKILL")) kills++;
        finished = exits.find((e) => e.shared)?.shared;
        const lockedOut = exits.filter((e) => e.locked).length;
        if (racers.length === 2) {
          expect(exits.filter((e) => e.shared).length + lockedOut).toBeLessThanOrEqual(2);
          // A locked-out resumer ran nothing at all.
          racers.forEach((_, k) => {
            if (exits[k]?.locked) expect(labels(k === 0 ? log : `${log}.rival`)).toEqual([]);
          });
          if (lockedOut > 0) raced++;
        }

        // Nothing the resumed-from checkpoint holds as finished may run again, in either process...
        const ran = [...labels(log), ...labels(`${log}.rival`)];
        const finishedBefore = finishedIn(before);
        if (before && before.status === "running" && finishedBefore.size > 0) partialResumes++;
        expect(ran.filter((label) => finishedBefore.has(label))).toEqual([]);
        // ...and at most what was in flight at the last kill runs twice.
        if (segment > 0) {
          const previous = new Set([
            ...labels(join(root, `${runId}-${segment - 1}.log`)),
            ...labels(join(root, `${runId}-${segment - 1}.log.rival`)),
          ]);
          const reruns = ran.filter((label) => previous.has(label));
          expect(reruns.length).toBeLessThanOrEqual(PARALLELISM);
        }
      }
      expect(finished).toEqual(reference);
    }
    expect(kills).toBe(KILLS);
    // The kills really landed mid-run: most resumes continued a half-done run.
    expect(partialResumes).toBeGreaterThan(KILLS / 2);
    // The rival resumers really raced: most resumes found the run locked by the other.
    expect(raced).toBeGreaterThan(KILLS / 4);
    // No temporary file is left: each kill can cut a write short, but every episode ends with a
    // process that takes the lease, which sweeps the temporaries of the dead ones (their pid has exited).
    const leftovers = readdirSync(root, { recursive: true }).filter((f) => String(f).includes(".tmp-"));
    expect(leftovers).toEqual([]);
  }, 300_000);
});

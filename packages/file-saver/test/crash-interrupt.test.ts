import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { SqliteSaver } from "@flowlet/sqlite";
import { type Checkpoint, type CheckpointSaver, MemorySaver, readCheckpoint } from "flowlet";
import { afterAll, describe, it } from "vitest";
import { ANSWER, ASKING, type AskShared, CONCURRENCY, buildAskFlow } from "./crash/interrupt-flow.js";

// Kills per saver. FLOWLET_CRASH_INTERRUPT_KILLS=200 for a soak; the default keeps CI quick.
const KILLS = process.env.FLOWLET_QUICK ? 4 : Number(process.env.FLOWLET_CRASH_INTERRUPT_KILLS ?? 5);
const child = join(import.meta.dirname, "crash", "interrupt-child.ts");
const root = mkdtempSync(join(tmpdir(), "flowlet-crash-ask-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Outcome = { shared?: AskShared; interrupted: boolean; locked: boolean; refused: boolean; signal: NodeJS.Signals | null };

/** Starts the child; resolves once it is about to run, with a promise of how it ended. */
function start(kind: string, dir: string, runId: string, mode: "run" | "resume" | "answer", log: string, seed: number) {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@flowlet/source", child, kind, dir, runId, mode, log, String(seed)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => {
    err += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) resolve();
    });
    // A child that dies before it is ready (it could not even load) fails the test, rather than hang it.
    proc.on("exit", (code) => reject(new Error(`child exited with ${code} before it was ready: ${err}`)));
  });
  const exit = new Promise<Outcome>((resolve, reject) => {
    proc.on("exit", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith("result "));
      const outcome: Outcome = {
        interrupted: out.includes("interrupted\n"),
        locked: out.includes("locked\n"),
        refused: out.includes("refused\n"),
        signal,
      };
      if (line) outcome.shared = JSON.parse(line.slice(7)) as AskShared;
      if (code === 0 || signal === "SIGKILL") return resolve(outcome);
      reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
  return { proc, ready, exit };
}

const labels = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

/** What a checkpoint records as finished: chain nodes by name, batch items by their result (item i gives i²). */
function finishedIn(checkpoint: Checkpoint | undefined): Set<string> {
  const done = new Set<string>((checkpoint?.shared as AskShared | undefined)?.done ?? []);
  for (const frame of Object.values(checkpoint?.frames ?? {})) {
    if (frame.kind === "batch") for (const square of Object.values(frame.done)) done.add(`P${Math.sqrt(square as number)}`);
  }
  return done;
}

const savers: Record<string, (dir: string) => CheckpointSaver> = {
  file: (dir) => new FileSaver(dir),
  sqlite: (dir) => new SqliteSaver(join(dir, "runs.db")),
};

describe.each(Object.keys(savers))("crash-resume of parallel-batch interrupts (%s saver)", (kind) => {
  // The two savers' runs are child processes: they run side by side.
  it.concurrent(
    `keeps the interrupt across ${KILLS} SIGKILLs, with siblings that ignore the signal and two resumers racing`,
    async ({ expect }) => {
      // The reference: an uninterrupted run, answered in the same process.
      const refSaver = new MemorySaver();
      const paused = await buildAskFlow().run({ done: [], total: 0 }, { checkpoint: refSaver, runId: "ref" });
      expect(paused.status).toBe("interrupted");
      const reference = (await buildAskFlow().resume("ref", { checkpoint: refSaver, resumeWith: ANSWER })).shared;
      expect(reference.done).toHaveLength(41);

      const dir = mkdtempSync(join(root, `${kind}-`));
      const saver = savers[kind]?.(dir) as CheckpointSaver;
      let kills = 0;
      let episodes = 0;
      let interrupts = 0;
      let answered = 0;
      let late = 0;
      let raced = 0;
      let segments = 0;
      let span = 300;
      while (kills < KILLS) {
        const runId = `episode-${episodes++}`;
        let finished: AskShared | undefined;
        let episodeKills = 0;
        for (let segment = 0; !finished; segment++) {
          const log = join(dir, `${runId}-${segment}.log`);
          const before = await readCheckpoint(saver, runId, { onCorrupt: () => {} });
          // Killed before its first record: nothing to resume, so the run is deleted and started over, as a user would.
          if (!before && (await saver.run(runId))) await saver.delete(runId);
          // A run waiting for input is answered, by two processes at once (a double-click on "approve");
          // any other run is resumed by two processes at once. The lease lets one run; each gets the items in another order.
          const mode = !before ? "run" : before.status === "interrupted" ? "answer" : "resume";
          const seed = episodes * 1000 + segment;
          segments++;
          const racers =
            mode === "run"
              ? [start(kind, dir, runId, mode, log, seed)]
              : [start(kind, dir, runId, mode, log, seed), start(kind, dir, runId, mode, `${log}.rival`, seed + 500)];
          await Promise.all(racers.map((r) => r.ready));
          const started = Date.now();
          if (kills < KILLS && episodeKills < 2) {
            // At most two kills per episode, so every episode also ends unkilled. Anywhere in the longest segment seen so far: in the chain, mid-batch, while late siblings linger after an interrupt.
            setTimeout(() => {
              for (const r of racers) r.proc.kill("SIGKILL");
            }, Math.random() * span);
          }
          const exits = await Promise.all(racers.map((r) => r.exit));
          const killed = exits.some((e) => e.signal === "SIGKILL");
          if (killed) {
            kills++;
            episodeKills++;
          } else span = Math.max(span, Date.now() - started);
          finished = exits.find((e) => e.shared)?.shared;
          const ran = [...labels(log), ...labels(`${log}.rival`)];
          late += ran.filter((l) => l.startsWith("late ")).length;
          if (exits.some((e) => e.locked)) raced++;
          // A locked-out process ran nothing at all.
          racers.forEach((_, k) => {
            if (exits[k]?.locked) expect(labels(k === 0 ? log : `${log}.rival`)).toEqual([]);
          });

          const last = (await saver.list(runId)).at(-1);
          // Unless the rival got the lease after the pause and ran on (resumed without an answer, it runs again).
          const ranOn = exits.some(
            (e, k) => !e.interrupted && !e.locked && !e.refused && labels(k === 0 ? log : `${log}.rival`).length > 0,
          );
          if (exits.some((e) => e.interrupted) && !ranOn) {
            interrupts++;
            // The interrupt is never buried: siblings that finished after it (in that process, before it
            // exited or was killed) saved nothing, so the run still waits for its answer.
            expect(last?.status).toBe("interrupted");
            expect((await saver.run(runId))?.status).toBe("interrupted");
          }
          if (mode === "answer") {
            // The answer is accepted by whichever process got the lease; the other is locked out or
            // refused ("not waiting for input"), never both, and nobody is asked again.
            expect(exits.every((e) => e.refused || e.locked)).toBe(false);
            expect(exits.some((e) => e.interrupted)).toBe(false);
            if (ran.includes(`answered ${ANSWER}`)) answered++;
            if (!killed) expect(exits.filter((e) => e.shared)).toHaveLength(1);
          }
          if (finished) expect(last?.status).toBe("completed");

          // Nothing the resumed-from checkpoint holds as finished runs again, in either process...
          const finishedBefore = finishedIn(before);
          expect(ran.filter((label) => finishedBefore.has(label))).toEqual([]);
          // ...and what runs again is at most what was in flight when a process of the last segment
          // stopped: the items in flight at a kill, or the asking item and its late siblings at an interrupt.
          if (segment > 0) {
            for (const previous of [join(dir, `${runId}-${segment - 1}.log`), join(dir, `${runId}-${segment - 1}.log.rival`)]) {
              const earlier = new Set(labels(previous));
              const reruns = new Set(ran.filter((label) => earlier.has(label) && /^[SP]\d+$/.test(label)));
              expect(reruns.size).toBeLessThanOrEqual(CONCURRENCY);
            }
          }
        }
        expect(finished).toEqual(reference);
        expect(finished?.squares).toContain(ASKING * ASKING);
      }
      if (process.env.FLOWLET_CRASH_INTERRUPT_KILLS) console.log(kind, { kills, episodes, segments, interrupts, answered, late, raced });
      expect(kills).toBe(KILLS);
      // The scenario really happened: runs paused, siblings finished after the interrupt, answers
      // were given, and rival processes raced for the lease.
      expect(interrupts).toBeGreaterThan(0);
      expect(late).toBeGreaterThan(0);
      expect(answered).toBeGreaterThan(0);
      expect(raced).toBeGreaterThan(0);
      // Every episode ends with a process that took the lease and swept the dead ones' temporaries.
      const leftovers = readdirSync(dir, { recursive: true }).filter((f) => String(f).includes(".tmp-"));
      expect(leftovers).toEqual([]);
      (saver as { close?: () => void }).close?.();
    },
    Math.max(300_000, KILLS * 15_000),
  );
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowQueue, type RunHandle, RunNotPausedError } from "@flowlet/bullmq";
import { PostgresSaver } from "@flowlet/postgres";
import { startPostgres, startRedis, type TestRedis, type TestService } from "@flowlet/test-services";
import { MemorySaver } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Shared, chainFlow } from "./fixtures/flows.js";
import { type WorkerProcess, executions, groupBy, spawnWorker, stopWorker } from "./support.js";

// The crash trials: 20 by default (about a minute); FLOWLET_SCALE_TRIALS=200 for a longer soak.
const TRIALS = Number(process.env.FLOWLET_SCALE_TRIALS ?? 20);

let redis: TestRedis;
let pg: TestService;
let saver: PostgresSaver;
let queue: FlowQueue;
let workers: WorkerProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), "flowlet-scale-"));
const log = join(dir, "executions.log");
const env = () => ({ REDIS_URL: redis.url, PG_URL: pg.url, FLOWLET_TEST_LOG: log });
const fresh = (id: string, extra: Partial<Shared> = {}): Shared => ({ id, n: 1, steps: [], ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let reference: Omit<Shared, "id">;

beforeAll(async () => {
  // Append-only, so that a restart keeps the queue, as a production Redis should.
  [redis, pg] = await Promise.all([startRedis({ appendOnly: true }), startPostgres()]);
  saver = new PostgresSaver({ connectionString: pg.url });
  queue = new FlowQueue({ connection: redis.url, attempts: 5, backoffMs: 200 });
  workers = [0, 1, 2].map(() => spawnWorker(env()));
  const { shared } = await chainFlow().run(fresh("ref"), { checkpoint: new MemorySaver(), runId: "ref" });
  const { id: _id, ...rest } = shared;
  reference = rest;
  await Promise.all(workers.map((w) => w.ready));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await queue?.close();
  await saver?.close();
  await Promise.all([redis?.stop(), pg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function workersOf(handle: RunHandle): Promise<Set<string>> {
  const seen = new Set<string>();
  for await (const event of handle.events()) if (event.type === "started" && event.worker) seen.add(event.worker);
  return seen;
}

describe("distributed runs on BullMQ, Redis and PostgreSQL (real servers, worker processes)", () => {
  it("3 worker processes run 50 runs to completion, each like a single-process run", async () => {
    const handles = await Promise.all(
      Array.from({ length: 50 }, (_, i) => queue.enqueue("chain", fresh(`many-${i}`), { runId: `many-${i}` })),
    );
    const outcomes = await Promise.all(handles.map((h) => h.result()));
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome).toEqual({ status: "completed", action: "default", shared: { ...reference, id: `many-${i}` } });
    }
    const byWorker = new Set<string>();
    for (const h of handles) for (const w of await workersOf(h)) byWorker.add(w);
    expect(byWorker.size).toBe(3);
    expect((await saver.runs({ status: "completed" })).length).toBeGreaterThanOrEqual(50);
    // Enqueue is idempotent per runId: the same job, not a second run.
    const again = await queue.enqueue("chain", fresh("many-0"), { runId: "many-0" });
    expect(again.jobId).toBe(handles[0]!.jobId);
  }, 120_000);

  it(
    `SIGKILL a worker at random points in ${TRIALS} trials: same final state, no checkpointed step or item runs twice`,
    async () => {
      const killed = new Set<number>();
      const runIds: string[] = [];
      let resumedElsewhere = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const ids = [`kill-${trial}-a`, `kill-${trial}-b`];
        runIds.push(...ids);
        const handles = await Promise.all(ids.map((id) => queue.enqueue("chain", fresh(id), { runId: id })));
        await sleep(100 + Math.random() * 700);
        const victim = Math.floor(Math.random() * workers.length);
        const dead = workers[victim]!;
        dead.proc.kill("SIGKILL");
        killed.add(dead.pid);
        workers[victim] = spawnWorker(env());
        const outcomes = await Promise.all(handles.map((h) => h.result()));
        for (const [i, outcome] of outcomes.entries()) {
          expect(outcome).toEqual({ status: "completed", action: "default", shared: { ...reference, id: ids[i] } });
        }
        await dead.exited;
      }
      await Promise.all(workers.map((w) => w.ready));

      const all = executions(log);
      for (const runId of runIds) {
        const ran = all.filter((e) => e.run === runId);
        const history = await saver.list(runId);
        // No step runs after a checkpoint that records it as done.
        for (const e of ran.filter((x) => x.label.startsWith("S"))) {
          const done = history.find((h) => h.node.endsWith(`/${e.label}`));
          expect(done === undefined || Date.parse(done.at) >= e.at, `${runId} ${e.label} ran after its checkpoint`).toBe(true);
        }
        // Whatever ran twice (steps or items) ran first on a worker that was killed before it could finish.
        const byLabel = groupBy(ran, (e) => e.label);
        for (const [label, runs] of byLabel) {
          for (const earlier of runs.slice(0, -1))
            expect(killed.has(earlier.pid), `${runId} ${label} re-ran after pid ${earlier.pid}`).toBe(true);
        }
        if (new Set(ran.map((e) => e.pid)).size > 1 && ran.some((e) => killed.has(e.pid))) resumedElsewhere++;
      }
      // The kills really landed mid-run.
      expect(resumedElsewhere).toBeGreaterThan(TRIALS / 4);
    },
    60_000 + TRIALS * 15_000,
  );

  it("spreads a 500-item distributed batch over the workers, results in input order", async () => {
    const handle = await queue.enqueue("wide", fresh("wide", { count: 500 }), { runId: "wide" });
    const outcome = await handle.result();
    expect(outcome.status).toBe("completed");
    const shared = (outcome as { shared: unknown }).shared as Shared;
    expect(shared.squares).toEqual(Array.from({ length: 500 }, (_, i) => i * i));
    const items = executions(log).filter((e) => e.run === "wide");
    expect(new Set(items.map((e) => e.label)).size).toBe(500);
    const perWorker = [...groupBy(items, (e) => e.pid).values()].map((runs) => runs.length);
    expect(perWorker.length).toBe(3);
    for (const count of perWorker) expect(count).toBeGreaterThan(50);
  }, 60_000);

  it("parks an interrupted run; resume through the queue answers it once, even when clicked twice", async () => {
    const handle = await queue.enqueue("approve", fresh("approve"), { runId: "approve" });
    const paused = await handle.result();
    expect(paused).toMatchObject({ status: "interrupted", payload: { question: "publish approve?" } });
    expect((await saver.run("approve"))?.status).toBe("interrupted");
    const [yes, no] = await Promise.all([queue.resume("approve", { resumeWith: "yes" }), queue.resume("approve", { resumeWith: "no" })]);
    expect(yes.jobId).toBe(no.jobId);
    const done = await yes.result();
    expect(done).toMatchObject({ status: "completed", shared: { answer: "yes", steps: ["Draft"] } });
    const published = executions(log).filter((e) => e.run === "approve" && e.label.startsWith("publish"));
    expect(published.length).toBe(1);
    await expect(queue.resume("approve", { resumeWith: "again" })).rejects.toBeInstanceOf(RunNotPausedError);
  }, 60_000);

  it("cancel reaches the workers running the run and its items; resume continues it", async () => {
    const handle = await queue.enqueue("slow", fresh("slow", { count: 60 }), { runId: "slow" });
    for await (const event of handle.events()) if (event.type === "checkpoint") break; // some items are done
    await queue.cancel("slow");
    const canceledAt = Date.now();
    expect(await handle.result()).toEqual({ status: "canceled" });
    const run = await saver.run("slow");
    expect(run?.status).toBe("canceled");
    expect(run?.error?.name).toBe("RunCanceledError");
    await sleep(800);
    const items = () => executions(log).filter((e) => e.run === "slow");
    const before = items();
    expect(before.filter((e) => e.at > canceledAt + 300)).toEqual([]);
    expect(new Set(before.map((e) => e.label)).size).toBeLessThan(60);

    const resumed = await queue.resume("slow");
    const outcome = await resumed.result();
    expect(outcome.status).toBe("completed");
    expect(((outcome as { shared: unknown }).shared as Shared).squares).toEqual(Array.from({ length: 60 }, (_, i) => i * i));
  }, 60_000);

  it("completes a run across a Redis restart", async () => {
    const handle = await queue.enqueue("slowChain", fresh("restart"), { runId: "restart" });
    for await (const event of handle.events()) if (event.type === "checkpoint") break;
    await redis.restart({ downMs: 1_000 });
    const outcome = await handle.result();
    expect(outcome).toEqual({ status: "completed", action: "default", shared: { ...reference, id: "restart" } });
  }, 60_000);
});

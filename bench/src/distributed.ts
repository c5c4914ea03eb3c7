/**
 * A distributed batch against an in-process one: 1,000 items of 100 ms simulated LLM latency, run
 * as item jobs by 1, 2 and 4 worker processes (each running ITEM_CONCURRENCY items at once, as a
 * per-process connection or rate limit would), and by one in-process ParallelBatchNode allowed the
 * same total concurrency. Real Redis and PostgreSQL on this machine; checkpoints in PostgreSQL.
 *
 * Reported: wall time from enqueue to result, the speed-up over 1 worker, and the per-item
 * overhead = (wall − ideal) × concurrency / items, where ideal = items × latency / concurrency.
 *
 *   npx tsx --conditions=@flowlet/source bench/src/distributed.ts     # writes results/distributed.json and prints a table
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { FlowQueue } from "@flowlet/bullmq";
import { PostgresSaver } from "@flowlet/postgres";
import { startPostgres, startRedis } from "@flowlet/test-services";
import { batchFlow } from "./distributed-flow.js";

const ITEMS = Number(process.env.DIST_ITEMS ?? 1000);
const LATENCY = Number(process.env.DIST_LATENCY_MS ?? 100);
const PER_WORKER = Number(process.env.ITEM_CONCURRENCY ?? 25);
const WORKERS = (process.env.DIST_WORKERS ?? "1,2,4").split(",").map(Number);

const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
const saver = new PostgresSaver({ connectionString: pg.url });

function spawnWorker(queue: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@flowlet/source", join(import.meta.dirname, "distributed-worker.ts")],
    {
      env: { ...process.env, REDIS_URL: redis.url, PG_URL: pg.url, QUEUE: queue, ITEM_CONCURRENCY: String(PER_WORKER) },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    proc.stdout!.on("data", (d) => String(d).includes("ready") && resolve(proc));
    proc.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

const ideal = (concurrency: number) => (ITEMS * LATENCY) / concurrency;
const overhead = (wall: number, concurrency: number) => ((wall - ideal(concurrency)) * concurrency) / ITEMS;
const rows: { mode: string; concurrency: number; wallMs: number; idealMs: number; overheadMsPerItem: number; speedup?: number }[] = [];

try {
  for (const p of WORKERS) {
    const queueName = `bench-${p}`;
    const procs = await Promise.all(Array.from({ length: p }, () => spawnWorker(queueName)));
    const queue = new FlowQueue({ connection: redis.url, queue: queueName });
    const started = performance.now();
    const handle = await queue.enqueue("batch", { count: ITEMS, latencyMs: LATENCY }, { runId: `dist-${p}` });
    const outcome = await handle.result();
    const wallMs = performance.now() - started;
    if (outcome.status !== "completed") throw new Error(`run ended ${outcome.status}`);
    const concurrency = p * PER_WORKER;
    rows.push({
      mode: `${p} worker process${p > 1 ? "es" : ""}`,
      concurrency,
      wallMs,
      idealMs: ideal(concurrency),
      overheadMsPerItem: overhead(wallMs, concurrency),
    });
    process.stderr.write(`${p} workers: ${wallMs.toFixed(0)} ms\n`);
    await queue.close();
    await Promise.all(procs.map((proc) => new Promise((r) => proc.once("exit", r).kill("SIGTERM"))));
  }
  for (const p of WORKERS) {
    const concurrency = p * PER_WORKER;
    const started = performance.now();
    await batchFlow({ distributed: false, concurrency }).run(
      { count: ITEMS, latencyMs: LATENCY },
      { checkpoint: saver, runId: `local-${concurrency}` },
    );
    const wallMs = performance.now() - started;
    rows.push({
      mode: "in-process ParallelBatchNode",
      concurrency,
      wallMs,
      idealMs: ideal(concurrency),
      overheadMsPerItem: overhead(wallMs, concurrency),
    });
  }
} finally {
  await saver.close();
  await Promise.all([redis.stop(), pg.stop()]);
}

const one = rows.find((r) => r.mode.startsWith("1 worker"))?.wallMs;
for (const r of rows) if (!r.mode.startsWith("in-process") && one) r.speedup = one / r.wallMs;
const local = (c: number) => rows.find((r) => r.mode.startsWith("in-process") && r.concurrency === c);
const machine = `Node ${process.version}, ${cpus().length} CPUs (load ${loadavg()
  .map((l) => l.toFixed(1))
  .join(", ")})`;
const lines = [
  `\`npx tsx --conditions=@flowlet/source bench/src/distributed.ts\`, ${new Date().toISOString()}, ${machine}; ` +
    `${ITEMS} items × ${LATENCY} ms, ` +
    `${PER_WORKER} items at once per worker; checkpoints in PostgreSQL (fsync off), queue on Redis, all on this machine.`,
  "",
  "| run | items at once | wall time | ideal | speed-up over 1 worker | overhead per item | " +
    "in-process at the same concurrency: wall, overhead per item |",
  "|---|---|---|---|---|---|---|",
  ...rows
    .filter((r) => !r.mode.startsWith("in-process"))
    .map((r) => {
      const l = local(r.concurrency);
      return (
        `| ${r.mode} | ${r.concurrency} | ${(r.wallMs / 1000).toFixed(2)} s | ` +
        `${(r.idealMs / 1000).toFixed(2)} s | ×${r.speedup?.toFixed(2)} | ` +
        `${r.overheadMsPerItem.toFixed(2)} ms | ${l ? `${(l.wallMs / 1000).toFixed(2)} s, ${l.overheadMsPerItem.toFixed(2)} ms` : "–"} |`
      );
    }),
];
console.log(lines.join("\n"));
await writeFile(
  join(import.meta.dirname, "..", "results", "distributed.json"),
  `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
);

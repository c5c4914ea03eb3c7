/**
 * PostgresSaver's cost per step against SqliteSaver's, on the same rows: a loop of one node whose
 * every step changes one counter, over a store that also holds S bytes that never change, and the
 * same records appended straight to each saver (no engine). PostgreSQL runs on this machine, on
 * loopback, once with its crash safety on (fsync, synchronous commit: like SQLite's WAL default)
 * and once with it off.
 *
 * Reported per step as the marginal cost between a short and a long run (the run's start and first
 * full checkpoint are left out), medians of REPEATS.
 *
 *   npx tsx --conditions=@flowlet/source bench/src/postgres-saver.ts        # writes results/postgres-saver.json and prints a table
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresSaver } from "@flowlet/postgres";
import { SqliteSaver } from "@flowlet/sqlite";
import { startPostgres } from "@flowlet/test-services";
import { type CheckpointRecord, type CheckpointSaver, Flow, Node, checksumOf } from "flowlet";
import { median } from "./measure.js";

const SIZES = (process.env.PG_SIZES ?? "1e3,1e5,1e6").split(",").map(Number);
const SHORT = 5;
const LONG = Number(process.env.PG_STEPS ?? 45);
const REPEATS = Number(process.env.PG_REPEATS ?? 3);

type Shared = { blob: string; n: number };

class Tick extends Node<Shared> {
  constructor(readonly steps: number) {
    super({ name: "tick" });
  }
  override post(shared: Shared) {
    shared.n++;
    return shared.n < this.steps ? "again" : "default";
  }
}

function loop(steps: number): Flow<Shared> {
  const tick = new Tick(steps);
  tick.on("again", tick);
  tick.next(new Node<Shared>({ name: "done" }));
  return new Flow(tick, { name: "Loop" });
}

let runs = 0;
async function flowMs(saver: CheckpointSaver, size: number, steps: number): Promise<number> {
  const started = performance.now();
  await loop(steps).run({ blob: "x".repeat(size), n: 0 }, { checkpoint: saver, runId: `flow-${++runs}` });
  return performance.now() - started;
}

/** The same rows straight into the saver: one full record of `size` bytes per append, under a held lease. */
async function appendMs(saver: CheckpointSaver, size: number, count: number): Promise<number> {
  const runId = `append-${++runs}`;
  const body = JSON.stringify({ blob: "x".repeat(size) });
  const checksum = await checksumOf(body);
  const lease = await saver.acquire(runId, { ttlMs: 60_000, create: true });
  const started = performance.now();
  for (let seq = 1; seq <= count; seq++) {
    const at = new Date().toISOString();
    const record: CheckpointRecord = { runId, seq, at, status: "running", node: "Loop/tick", kind: "full", checksum, body };
    await saver.append(lease, [record], { runId, status: "running", flow: "Loop", shape: "s", createdAt: at, updatedAt: at, steps: seq });
  }
  const ms = performance.now() - started;
  await saver.release(lease);
  return ms;
}

/** Marginal ms per step between SHORT and LONG steps. */
async function perStep(measure: (steps: number) => Promise<number>): Promise<number> {
  await measure(SHORT); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) samples.push(((await measure(LONG)) - (await measure(SHORT))) / (LONG - SHORT));
  return median(samples);
}

const dir = await mkdtemp(join(tmpdir(), "flowlet-bench-pg-"));
const [durable, fast] = await Promise.all([startPostgres({ durable: true }), startPostgres()]);
const savers: Record<string, CheckpointSaver & { close(): unknown }> = {
  SqliteSaver: new SqliteSaver(join(dir, "bench.db")),
  "PostgresSaver (fsync on)": new PostgresSaver({ connectionString: durable.url }),
  "PostgresSaver (fsync off)": new PostgresSaver({ connectionString: fast.url }),
};
const rows: { saver: string; size: number; flowMsPerStep: number; appendMsPerRecord: number }[] = [];
try {
  for (const size of SIZES) {
    for (const [name, saver] of Object.entries(savers)) {
      const flowMsPerStep = await perStep((steps) => flowMs(saver, size, steps));
      const appendMsPerRecord = await perStep((count) => appendMs(saver, size, count));
      rows.push({ saver: name, size, flowMsPerStep, appendMsPerRecord });
      process.stderr.write(`${name} S=${size}: ${flowMsPerStep.toFixed(3)} ms/step, ${appendMsPerRecord.toFixed(3)} ms/append\n`);
    }
  }
} finally {
  for (const saver of Object.values(savers)) await saver.close();
  await Promise.all([durable.stop(), fast.stop()]);
  await rm(dir, { recursive: true, force: true });
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));
const kb = (n: number) => (n >= 1e6 ? `${n / 1e6} MB` : `${n / 1e3} KB`);
const sqlite = (size: number, key: "flowMsPerStep" | "appendMsPerRecord") =>
  rows.find((r) => r.saver === "SqliteSaver" && r.size === size)![key];
const machine = `Node ${process.version}, ${cpus().length} CPUs (load ${loadavg()
  .map((l) => l.toFixed(1))
  .join(", ")})`;
const lines = [
  `\`npx tsx --conditions=@flowlet/source bench/src/postgres-saver.ts\`, ${new Date().toISOString()}, ${machine}; ` +
    `medians of ${REPEATS}; marginal cost over ${LONG - SHORT} steps.`,
  "",
  "| saver | store | ms per flow step | vs SQLite | ms per append (saver alone) | vs SQLite |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.saver} | ${kb(r.size)} | ${fmt(r.flowMsPerStep)} | ×${(r.flowMsPerStep / sqlite(r.size, "flowMsPerStep")).toFixed(2)} | ` +
      `${fmt(r.appendMsPerRecord)} | ×${(r.appendMsPerRecord / sqlite(r.size, "appendMsPerRecord")).toFixed(2)} |`,
  ),
];
console.log(lines.join("\n"));
await writeFile(
  join(import.meta.dirname, "..", "results", "postgres-saver.json"),
  `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
);

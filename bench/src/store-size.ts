/**
 * Checkpoint cost against store size: a loop of one node, each step changing one counter, over a
 * store that also holds S bytes that never change (S = 1 KB, 1 MB, 10 MB, 50 MB), for every
 * Flowlet saver and for LangGraph.js's MemorySaver, in one process.
 *
 * Reported per step: for Flowlet, the median time between two consecutive checkpoints of one run
 * (the first, full record left out) and the median bytes of record bodies appended; for LangGraph,
 * which has no per-checkpoint hook, the marginal cost between a 5-step and a long run.
 *
 *   npm run bench:store -w bench            # writes results/store-size.json and prints a table
 *   STORE_SIZES=1e3,1e6 npm run bench:store -w bench
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { SqliteSaver } from "@flowlet/sqlite";
import { Annotation, END, MemorySaver as LangGraphMemorySaver, START, StateGraph } from "@langchain/langgraph";
import { type CheckpointSaver, Flow, MemorySaver, Node } from "flowlet";
import { gc, median } from "./measure.js";

const SIZES = (process.env.STORE_SIZES ?? "1e3,1e6,1e7,5e7").split(",").map(Number);
const SHORT = 5;
const LONG = Number(process.env.STORE_STEPS ?? 30);
const REPEATS = Number(process.env.STORE_REPEATS ?? 3);

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

class Done extends Node<Shared> {}

function loop(steps: number): Flow<Shared> {
  const tick = new Tick(steps);
  tick.on("again", tick);
  tick.next(new Done({ name: "done" }));
  return new Flow(tick, { name: "Loop" });
}

/** Records the bytes of record bodies of each append a saver is asked to make. */
function metered(saver: CheckpointSaver): { saver: CheckpointSaver; sizes: () => number[] } {
  const sizes: number[] = [];
  const append = saver.append.bind(saver);
  Object.defineProperty(saver, "append", {
    value: (
      lease: Parameters<CheckpointSaver["append"]>[0],
      records: Parameters<CheckpointSaver["append"]>[1],
      run: Parameters<CheckpointSaver["append"]>[2],
    ) => {
      if (records.length > 0) sizes.push(records.reduce((sum, r) => sum + Buffer.byteLength(r.body), 0));
      return append(lease, records, run);
    },
  });
  return { saver, sizes: () => sizes };
}

interface Row {
  saver: string;
  size: number;
  msPerStep: number;
  bytesPerStep: number;
}

const SAVERS: Record<string, (dir: string) => CheckpointSaver> = {
  MemorySaver: () => new MemorySaver(),
  FileSaver: (dir) => new FileSaver(dir),
  "FileSaver fsync:false": (dir) => new FileSaver(dir, { fsync: false }),
  SqliteSaver: (dir) => new SqliteSaver(join(dir, "bench.db")),
};

/**
 * Flowlet: one run of LONG steps; a step's cost is the time between two consecutive checkpoints
 * (the hook fires once each record is saved), so the first, full record is not counted. Median.
 */
async function flowletRow(label: string, size: number): Promise<Row> {
  const blob = "x".repeat(size);
  const perStep: number[] = [];
  const bytesPerStep: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const dir = await mkdtemp(join(tmpdir(), "flowlet-store-bench-"));
    const { saver, sizes } = metered((SAVERS[label] as (dir: string) => CheckpointSaver)(dir));
    const times: number[] = [];
    gc();
    const result = await loop(LONG).run(
      { blob, n: 0 },
      { checkpoint: saver, runId: `r${r}`, hooks: { checkpoint: () => void times.push(performance.now()) } },
    );
    if (result.status !== "completed" || result.shared.n !== LONG) throw new Error(`${label}: the run ended ${result.status}`);
    for (let i = 2; i < times.length; i++) perStep.push((times[i] as number) - (times[i - 1] as number));
    bytesPerStep.push(...sizes().slice(1));
    (saver as { close?: () => void }).close?.();
    await rm(dir, { recursive: true, force: true });
  }
  return { saver: label, size, msPerStep: median(perStep), bytesPerStep: median(bytesPerStep) };
}

const LoopState = Annotation.Root({
  blob: Annotation<string>({ reducer: (_old, next) => next, default: () => "" }),
  n: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
});

async function langgraphRow(size: number): Promise<Row> {
  const blob = "x".repeat(size);
  const perStep: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const times: number[] = [];
    for (const steps of [SHORT, LONG]) {
      const graph = new StateGraph(LoopState)
        .addNode("tick", (s: typeof LoopState.State) => ({ n: s.n + 1 }))
        .addEdge(START, "tick")
        .addConditionalEdges("tick", (s: typeof LoopState.State) => (s.n < steps ? "tick" : END));
      const app = graph.compile({ checkpointer: new LangGraphMemorySaver() });
      gc();
      const start = performance.now();
      const out = await app.invoke({ blob, n: 0 }, { recursionLimit: steps + 10, configurable: { thread_id: `t${r}-${steps}` } });
      times.push(performance.now() - start);
      if (out.n !== steps) throw new Error(`LangGraph ran ${out.n} steps, not ${steps}`);
    }
    perStep.push(((times[1] as number) - (times[0] as number)) / (LONG - SHORT));
  }
  return { saver: "LangGraph.js MemorySaver", size, msPerStep: median(perStep), bytesPerStep: Number.NaN };
}

const label = (size: number) => (size >= 1e6 ? `${size / 1e6} MB` : `${size / 1e3} KB`);

const rows: Row[] = [];
for (const size of SIZES) {
  for (const name of Object.keys(SAVERS)) rows.push(await flowletRow(name, size));
  rows.push(await langgraphRow(size));
  process.stderr.write(`done ${label(size)}\n`);
}

const names = [...new Set(rows.map((r) => r.saver))];
const header = `| saver | ${SIZES.map((s) => `ms/step, ${label(s)}`).join(" | ")} | 50 MB ÷ 1 MB | bytes/step, ${label(SIZES.at(-1) ?? 0)} |`;
const lines = [header, `|---|${SIZES.map(() => "---|").join("")}---|---|`];
for (const name of names) {
  const mine = rows.filter((r) => r.saver === name);
  const at = (size: number) => mine.find((r) => r.size === size);
  const ratio = (at(5e7)?.msPerStep ?? Number.NaN) / (at(1e6)?.msPerStep ?? Number.NaN);
  const bytes = mine.at(-1)?.bytesPerStep ?? Number.NaN;
  lines.push(
    `| ${name} | ${mine.map((r) => r.msPerStep.toFixed(2)).join(" | ")} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : "–"} | ${Number.isFinite(bytes) ? Math.round(bytes) : "–"} |`,
  );
}
const table = lines.join("\n");
process.stdout.write(`${table}\n`);
await writeFile(
  join(import.meta.dirname, "..", "results", "store-size.json"),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, short: SHORT, long: LONG, repeats: REPEATS, rows }, null, 2)}\n`,
);

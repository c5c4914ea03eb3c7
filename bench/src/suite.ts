import { cpus, loadavg } from "node:os";
import { type Checkpointed, FLOWLET_SAVERS, flowletCheckpointed, langgraphCheckpointed } from "./checkpoint.js";
import { flowlet, flowletAsync } from "./frameworks/flowlet.js";
import { langgraph } from "./frameworks/langgraph.js";
import { plain } from "./frameworks/plain.js";
import { pocketflow } from "./frameworks/pocketflow.js";
import type { Framework, Run } from "./frameworks/types.js";
import { type Installed, buildFlowlet, coldImports, fileUrl, flowletInstalledSize, installedSize, installedVersion } from "./footprint.js";
import { MemoryProbe, SimulatedCalls, gc, ignoreVisit, median } from "./measure.js";

/** What W1 and W2 need of a framework. */
type Sequential = Pick<Framework, "name" | "chain" | "loop">;

/** How big each workload is. LangGraph gets its own, smaller sizes: it is reported per step all the same. */
export interface Sizes {
  warmups: number;
  repeats: number;
  /** W1, W2, W5, W7: each sample is a batch of runs lasting at least this long (see `rounds`). */
  sampleMs: number;
  /** W1: nodes in the chain. */
  chain: number;
  /** W2: transitions of the 2-node loop. */
  loop: number;
  /** W2: the long loop, run to show memory does not grow with the loop's length. */
  longLoop: number;
  /** W3/W4: items in the batch, each a call of `callMs`. */
  batch: number;
  /** W3/W4 runs per framework: they are short and their wall time is noisy. */
  batchRepeats: number;
  callMs: number;
  /** W4's cap. */
  concurrency: number;
  /** W5: nodes in the checkpointed chain. */
  checkpointChain: number;
  /** W6: fresh processes per import. */
  coldImports: number;
  /** W7: nodes in the streamed chain. */
  stream: number;
  langgraph: { chain: number; loop: number; batch: number; checkpointChain: number; stream: number; repeats: number };
}

/** `npm run bench`. */
export const FULL: Sizes = {
  warmups: 1,
  repeats: 7,
  sampleMs: 50,
  chain: 1000,
  loop: 100_000,
  longLoop: 1_000_000,
  batch: 1000,
  batchRepeats: 21,
  callMs: 10,
  concurrency: 50,
  checkpointChain: 1000,
  coldImports: 10,
  stream: 1000,
  langgraph: { chain: 1000, loop: 3000, batch: 1000, checkpointChain: 200, stream: 200, repeats: 5 },
};

/** The smoke test: every code path, tiny sizes. */
export const SMOKE: Sizes = {
  warmups: 0,
  repeats: 1,
  sampleMs: 0,
  chain: 1000,
  loop: 2000,
  longLoop: 20_000,
  batch: 100,
  batchRepeats: 1,
  callMs: 10,
  concurrency: 10,
  checkpointChain: 20,
  coldImports: 1,
  stream: 50,
  langgraph: { chain: 20, loop: 40, batch: 20, checkpointChain: 10, stream: 10, repeats: 1 },
};

export const FRAMEWORKS: readonly Framework[] = [plain, flowlet, pocketflow, langgraph];
/** Table columns, in order: the frameworks, and flowlet once more with async methods (W1, W2). */
export const COLUMNS: readonly { name: string; pkg?: string }[] = [plain, flowlet, flowletAsync, pocketflow, langgraph];

/** Frameworks measured together, interleaved run by run. */
interface Phase {
  /** W1 and W2. */
  sequential: readonly Sequential[];
  /** W3 and W4. */
  parallel: readonly Framework[];
}

/**
 * LangGraph runs last, in a phase of its own: once it has run, its AsyncLocalStorage (async_hooks
 * on Node 20) makes every promise in the process dearer, and would tax whoever ran after it.
 */
const PHASES: readonly Phase[] = [
  { sequential: [plain, flowlet, flowletAsync, pocketflow], parallel: [plain, flowlet, pocketflow] },
  { sequential: [langgraph], parallel: [langgraph] },
];
export const BASELINE = plain.name;

export interface Cell {
  /** The median, in the row's unit; absent when the framework cannot run the workload. */
  value?: number;
  /** Why there is no value, or a remark on it. */
  note?: string;
  /** Every timed sample, in the row's unit. */
  samples?: number[];
  /** Facts checked on the way: counters, results in order, peak in-flight calls, ideal time. */
  detail?: Record<string, number | boolean | string>;
}

/** One line of the table. Lower is better on every row. */
export interface Row {
  id: string;
  title: string;
  unit: "µs" | "ms" | "MB" | "KB";
  /** What the ratio in each cell is to: the plain baseline, or the row's ideal time. */
  compare?: "baseline" | "ideal";
  /** Differences below this many units are noise, whatever the ratio (memory deltas near zero). */
  noiseFloor?: number;
  /** By column name. */
  cells: Record<string, Cell>;
}

export interface Results {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  loadavg: number[];
  sizes: Sizes;
  /** Exact installed versions, from each package's package.json. */
  versions: Record<string, string>;
  rows: Row[];
}

/** A workload gave a wrong answer: its timing would mean nothing. */
export class BenchCheckError extends Error {
  override name = "BenchCheckError";
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new BenchCheckError(what);
}

function inOrder(results: readonly number[], n: number): boolean {
  return results.length === n && results.every((r, i) => r === i);
}

interface Timed {
  key: string;
  run: Run<unknown>;
  repeats: number;
  check: (value: unknown) => void;
}

/**
 * Times every entry `repeats` times after `warmups`, in rounds (one sample of each per round), so a
 * burst of load on the shared machine hits every framework alike. Returns, by key, wall-clock and
 * CPU ms per run (CPU time is this process's own work, so other processes' load barely moves it)
 * and the last checked value.
 *
 * With `sampleMs`, each sample is a batch of runs lasting at least that long (as many runs as filled
 * `sampleMs` after the warm-up; at least one), so the garbage a sample inherits from the one before
 * is a small part of it. No GC is forced before a sample: right after a forced full GC, V8's
 * allocation-site pretenuring sent some frameworks' short-lived objects to the old space for the
 * rest of the process, and not others' (a 1,000-node flowlet chain: 0.57–1.11 ms per run in 50 ms
 * batches after a forced GC, 0.12–0.17 ms without; pocketflow's 1.31–1.72 and 0.87–1.42 ms).
 */
async function rounds(
  entries: readonly Timed[],
  { warmups, sampleMs }: { warmups: number; sampleMs?: number },
): Promise<{ samples: Map<string, number[]>; cpu: Map<string, number[]>; last: Map<string, unknown> }> {
  const last = new Map<string, unknown>();
  const checked = (e: Timed, value: unknown) => {
    e.check(value);
    last.set(e.key, value);
  };
  for (let w = 0; w < warmups; w++) for (const e of entries) checked(e, await e.run());
  const batches = new Map<Timed, number>();
  for (const e of entries) {
    let runs = 1;
    if (sampleMs !== undefined) {
      // Calibration, which warms up further: how many runs fill sampleMs.
      runs = 0;
      const start = performance.now();
      do {
        checked(e, await e.run());
        runs++;
      } while (performance.now() - start < sampleMs);
    }
    batches.set(e, runs);
  }
  const samples = new Map(entries.map((e) => [e.key, [] as number[]]));
  const cpu = new Map(entries.map((e) => [e.key, [] as number[]]));
  const most = Math.max(0, ...entries.map((e) => e.repeats));
  for (let round = 0; round < most; round++) {
    for (const e of entries) {
      if (round >= e.repeats) continue;
      const runs = batches.get(e)!;
      const before = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < runs; i++) checked(e, await e.run());
      const ms = performance.now() - start;
      const used = process.cpuUsage(before);
      samples.get(e.key)!.push(ms / runs);
      cpu.get(e.key)!.push((used.user + used.system) / 1000 / runs);
    }
  }
  return { samples, cpu, last };
}

const isLangGraph = (fw: Sequential) => fw === langgraph;
const repeatsOf = (fw: Sequential, sizes: Sizes) => (isLangGraph(fw) ? sizes.langgraph.repeats : sizes.repeats);

/** A per-step cell from ms samples of runs of `steps` steps. */
function perStep(samples: number[], steps: number, detail: Cell["detail"]): Cell {
  const us = samples.map((ms) => (ms * 1000) / steps);
  return { value: median(us), samples: us, detail };
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function w1Chain(sizes: Sizes, { sequential }: Phase): Promise<Row[]> {
  const entries = sequential.map((fw): Timed => {
    const n = isLangGraph(fw) ? sizes.langgraph.chain : sizes.chain;
    return {
      key: fw.name,
      run: fw.chain(n),
      repeats: repeatsOf(fw, sizes),
      check: (v) => expect(v === n, `${fw.name} chain visited ${v} of ${n} nodes`),
    };
  });
  const { samples, last } = await rounds(entries, { warmups: sizes.warmups, sampleMs: sizes.sampleMs });
  const cells = Object.fromEntries(
    sequential.map((fw) => {
      const n = isLangGraph(fw) ? sizes.langgraph.chain : sizes.chain;
      return [fw.name, perStep(samples.get(fw.name)!, n, { nodes: n, visited: last.get(fw.name) as number })];
    }),
  );
  return [
    {
      id: "W1",
      title: `chain of ${sizes.chain.toLocaleString("en")} trivial nodes, per transition`,
      unit: "µs",
      compare: "baseline",
      cells,
    },
  ];
}

async function w2Loop(sizes: Sizes, { sequential, parallel }: Phase): Promise<Row[]> {
  const transitionsOf = (fw: Sequential) => (isLangGraph(fw) ? sizes.langgraph.loop : sizes.loop);
  const entries = sequential.map((fw): Timed => {
    const n = transitionsOf(fw);
    return {
      key: fw.name,
      run: fw.loop(n, ignoreVisit),
      repeats: repeatsOf(fw, sizes),
      check: (v) => expect(v === n, `${fw.name} loop made ${v} of ${n} transitions`),
    };
  });
  const { samples, last } = await rounds(entries, { warmups: sizes.warmups, sampleMs: sizes.sampleMs });
  const time: Row = {
    id: "W2",
    title: `2-node loop of ${sizes.loop.toLocaleString("en")} transitions (LangGraph: ${sizes.langgraph.loop.toLocaleString("en")}), per transition`,
    unit: "µs",
    compare: "baseline",
    cells: Object.fromEntries(
      sequential.map((fw) => [fw.name, perStep(samples.get(fw.name)!, transitionsOf(fw), { transitions: last.get(fw.name) as number })]),
    ),
  };

  // Memory, in separate runs: the probe's full GC must not land inside a timed run.
  const probe = async (fw: Framework, n: number) => {
    const memory = new MemoryProbe(n);
    const run = fw.loop(n, memory.visit);
    gc();
    const before = process.memoryUsage.rss();
    const count = await run();
    expect(count === n && Number.isFinite(memory.heapUsed), `${fw.name} loop memory probe saw ${count} of ${n} transitions`);
    return { heap: mb(memory.heapUsed), rssGrowth: mb(Math.max(0, memory.peakRss - before)) };
  };
  const heap: Row = { id: "W2", title: "heap after GC at the loop's last transition", unit: "MB", noiseFloor: 1, cells: {} };
  const rss: Row = { id: "W2", title: "peak RSS growth during the loop", unit: "MB", noiseFloor: 1, cells: {} };
  const growth: Row = {
    id: "W2",
    title: `heap growth from a ${sizes.loop.toLocaleString("en")}- to a ${sizes.longLoop.toLocaleString("en")}-transition loop (after GC, at the last transition)`,
    unit: "MB",
    noiseFloor: 1,
    cells: {},
  };
  for (const fw of parallel) {
    const m = await probe(fw, transitionsOf(fw));
    heap.cells[fw.name] = { value: m.heap, detail: { transitions: transitionsOf(fw) } };
    rss.cells[fw.name] = { value: m.rssGrowth, detail: { transitions: transitionsOf(fw) } };
    if (isLangGraph(fw)) {
      growth.cells[fw.name] = { note: `n/a (${sizes.longLoop.toLocaleString("en")} steps would take minutes)` };
      continue;
    }
    const long = await probe(fw, sizes.longLoop);
    const note = `(${m.heap.toFixed(1)} → ${long.heap.toFixed(1)} MB)`;
    growth.cells[fw.name] = { value: long.heap - m.heap, note, detail: { short: m.heap, long: long.heap } };
  }
  return [time, heap, rss, growth];
}

async function wParallel(sizes: Sizes, { parallel }: Phase, capped: boolean): Promise<Row[]> {
  const limit = capped ? sizes.concurrency : undefined;
  const batchOf = (fw: Framework) => (isLangGraph(fw) ? sizes.langgraph.batch : sizes.batch);
  const idealOf = (fw: Framework) => (capped ? Math.ceil(batchOf(fw) / sizes.concurrency) : 1) * sizes.callMs;
  const peaks = new Map<string, number>();
  const entries: Timed[] = [];
  const cells: Record<string, Cell> = {};
  for (const fw of parallel) {
    const calls = new SimulatedCalls(sizes.callMs);
    const n = batchOf(fw);
    const batch = fw.parallel(n, calls.call, limit);
    if (!batch) {
      cells[fw.name] = { note: "no concurrency cap" };
      continue;
    }
    const run = () => {
      calls.reset();
      return batch();
    };
    const check = (value: unknown) => {
      expect(inOrder(value as number[], n), `${fw.name} batch did not return its ${n} results in order`);
      expect(calls.started === n, `${fw.name} batch made ${calls.started} of ${n} calls`);
      expect(
        limit === undefined || calls.maxInFlight <= limit,
        `${fw.name} had ${calls.maxInFlight} calls in flight, over the cap of ${limit}`,
      );
      peaks.set(fw.name, Math.max(peaks.get(fw.name) ?? 0, calls.maxInFlight));
    };
    entries.push({ key: fw.name, run, repeats: isLangGraph(fw) ? sizes.langgraph.repeats : sizes.batchRepeats, check });
  }
  // Single runs, not batches: each is a 10 ms wall-time figure against its ideal.
  const { samples, cpu, last } = await rounds(entries, { warmups: sizes.warmups });
  const cpuCells: Record<string, Cell> = { ...cells };
  for (const fw of parallel) {
    const s = samples.get(fw.name);
    if (!s) continue;
    const results = last.get(fw.name) as number[];
    const detail = {
      items: batchOf(fw),
      results: results.length,
      inOrder: inOrder(results, batchOf(fw)),
      ideal: idealOf(fw),
      maxInFlight: peaks.get(fw.name)!,
    };
    cells[fw.name] = { value: median(s), samples: s, detail };
    const c = cpu.get(fw.name)!;
    cpuCells[fw.name] = { value: median(c), samples: c, detail: { items: batchOf(fw) } };
  }
  const what = `${sizes.batch.toLocaleString("en")} × ${sizes.callMs} ms calls`;
  const id = capped ? "W4" : "W3";
  const wall: Row = capped
    ? {
        id,
        title: `parallel batch of ${what}, concurrency ${sizes.concurrency}: wall time (ideal ${idealOf(flowlet)} ms)`,
        unit: "ms",
        compare: "ideal",
        cells,
      }
    : { id, title: `parallel batch of ${what}, unbounded: wall time (ideal ${sizes.callMs} ms)`, unit: "ms", compare: "ideal", cells };
  // Several ms of wall time here are other processes' load; CPU time is the framework's own cost.
  return [
    wall,
    { id, title: "the same batch: CPU time spent (the framework's own overhead)", unit: "ms", compare: "baseline", cells: cpuCells },
  ];
}

async function w7Stream(sizes: Sizes, { parallel }: Phase): Promise<Row[]> {
  const entries: Timed[] = [];
  const steps = new Map<string, number>();
  const cells: Record<string, Cell> = { [plain.name]: { note: "–" } };
  for (const fw of parallel) {
    if (!fw.stream) {
      if (fw !== plain) cells[fw.name] = { note: "no streaming" };
      continue;
    }
    const n = isLangGraph(fw) ? sizes.langgraph.stream : sizes.stream;
    steps.set(fw.name, n);
    entries.push({
      key: fw.name,
      run: fw.stream(n),
      repeats: repeatsOf(fw, sizes),
      check: (v) => expect(typeof v === "number" && v >= 2 * n, `${fw.name} streamed ${v} events for ${n} nodes`),
    });
  }
  const { samples, last } = await rounds(entries, { warmups: sizes.warmups, sampleMs: sizes.sampleMs });
  for (const [name, n] of steps) {
    const events = last.get(name) as number;
    cells[name] = perStep(samples.get(name)!, events, { nodes: n, events });
  }
  return [
    {
      id: "W7",
      title: `streamed chain of ${sizes.stream.toLocaleString("en")} nodes (LangGraph: ${sizes.langgraph.stream}), one custom event each; per event read`,
      unit: "µs",
      cells,
    },
  ];
}

async function w5Checkpoint(sizes: Sizes, { parallel }: Phase): Promise<Row[]> {
  const mine = parallel.includes(flowlet);
  const theirs = parallel.includes(langgraph);
  const prepared = new Map<string, { steps: number; c: Checkpointed }>();
  if (mine) {
    for (const saver of Object.keys(FLOWLET_SAVERS)) {
      prepared.set(`flowlet ${saver}`, { steps: sizes.checkpointChain, c: await flowletCheckpointed(sizes.checkpointChain, saver) });
    }
  }
  const lgSteps = sizes.langgraph.checkpointChain;
  if (theirs) {
    prepared.set("LangGraph no saver", { steps: lgSteps, c: { run: langgraph.chain(lgSteps), calls: () => 0, dispose: async () => {} } });
    prepared.set("LangGraph MemorySaver", { steps: lgSteps, c: langgraphCheckpointed(lgSteps, "async") });
    prepared.set("LangGraph MemorySaver sync", { steps: lgSteps, c: langgraphCheckpointed(lgSteps, "sync") });
  }

  const outcome = new Map<string, Cell>();
  const entries: Timed[] = [];
  for (const [key, { steps, c }] of prepared) {
    if ("unavailable" in c) {
      outcome.set(key, { note: c.unavailable });
      continue;
    }
    const saves = !key.endsWith("no saver");
    // One checked run first: a saver that is never called, or that fails, is reported, not timed.
    try {
      const count = await c.run();
      expect(count === steps, `${key} chain visited ${count} of ${steps} nodes`);
      if (saves && c.calls() === 0) {
        outcome.set(key, { note: "n/a (the core ignored the checkpoint option)" });
        continue;
      }
    } catch (error) {
      if (error instanceof BenchCheckError) throw error;
      outcome.set(key, { note: `failed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    const check = (v: unknown) => expect(v === steps, `${key} chain visited ${v} of ${steps} nodes`);
    entries.push({ key, run: c.run, repeats: key.startsWith("LangGraph") ? sizes.langgraph.repeats : sizes.repeats, check });
  }
  const { samples, last } = await rounds(entries, { warmups: 0, sampleMs: sizes.sampleMs });
  for (const [key, { steps, c }] of prepared) {
    const s = samples.get(key);
    if (s) outcome.set(key, perStep(s, steps, { steps, visited: last.get(key) as number, saverCalls: "unavailable" in c ? 0 : c.calls() }));
    if (!("unavailable" in c)) await c.dispose();
  }

  const cell = (key: string) => outcome.get(key)!;
  if (theirs) {
    const lgMemory = cell("LangGraph MemorySaver");
    const lgSync = cell("LangGraph MemorySaver sync");
    if (lgMemory.value !== undefined && lgSync.value !== undefined) lgMemory.detail = { ...lgMemory.detail, syncDurability: lgSync.value };
  }
  const overhead = (key: string): Cell => {
    const saved = cell(key);
    const bare = cell("flowlet no saver");
    if (saved.value === undefined || bare.value === undefined) return { note: saved.note ?? bare.note ?? "n/a" };
    return { value: saved.value - bare.value, detail: { withSaver: saved.value, withoutSaver: bare.value } };
  };
  /** A row with the cells of this phase's frameworks: flowlet's (and the columns without savers), or LangGraph's. */
  const row = (title: string, flowletCell: () => Cell, langgraphCell: () => Cell): Row => ({
    id: "W5",
    title,
    unit: "µs",
    cells: {
      ...(mine ? { [plain.name]: { note: "–" }, [flowlet.name]: flowletCell(), [pocketflow.name]: { note: "no checkpointing" } } : {}),
      ...(theirs ? { [langgraph.name]: langgraphCell() } : {}),
    },
  });
  const chain = `chain of ${sizes.checkpointChain.toLocaleString("en")} (LangGraph: ${lgSteps})`;
  const noFileSaver = () => ({ note: "no file saver" });
  const dash = () => ({ note: "–" });
  return [
    row(
      `${chain}, no checkpointing, per step`,
      () => cell("flowlet no saver"),
      () => cell("LangGraph no saver"),
    ),
    row(
      `${chain} + MemorySaver, per step`,
      () => cell("flowlet MemorySaver"),
      () => cell("LangGraph MemorySaver"),
    ),
    row(`${chain} + file saver (@flowlet/file-saver, fsync on: its default), per step`, () => cell("flowlet FileSaver"), noFileSaver),
    row(`${chain} + file saver, fsync off, per step`, () => cell("flowlet FileSaver fsync:false"), noFileSaver),
    row(
      `${chain} + SQLite saver (@flowlet/sqlite), per step`,
      () => cell("flowlet SqliteSaver"),
      () => ({
        note: "n/a (@langchain/langgraph-checkpoint-sqlite not installed)",
      }),
    ),
    row("file saver's cost per step (with − without), fsync on", () => overhead("flowlet FileSaver"), dash),
    row("file saver's cost per step (with − without), fsync off", () => overhead("flowlet FileSaver fsync:false"), dash),
  ];
}

function w6Footprint(sizes: Sizes): Row[] {
  const cold: Row = {
    id: "W6",
    title: 'cold import, `node -e "import(X)"` minus `node -e 0`',
    unit: "ms",
    cells: { [plain.name]: { note: "–" } },
  };
  const size: Row = { id: "W6", title: "installed size with its dependency closure", unit: "KB", cells: { [plain.name]: { note: "–" } } };
  const specifiers: Record<string, string> = {};
  const installed: Record<string, Installed> = {};
  try {
    const dist = buildFlowlet();
    specifiers[flowlet.name] = fileUrl(`${dist}/flowlet.js`);
    installed[flowlet.name] = flowletInstalledSize(dist);
  } catch (error) {
    cold.cells[flowlet.name] = size.cells[flowlet.name] = { note: `failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  for (const fw of [pocketflow, langgraph]) {
    specifiers[fw.name] = fw.pkg!;
    installed[fw.name] = installedSize(fw.pkg!);
  }
  const { node, imports } = coldImports(specifiers, sizes.coldImports);
  for (const [name, c] of Object.entries(imports))
    cold.cells[name] = { value: c.ms, samples: c.samples, detail: { nodeAlone: median(node) } };
  for (const [name, i] of Object.entries(installed)) {
    size.cells[name] = {
      value: i.bytes / 1024,
      note: `(${i.packages} package${i.packages === 1 ? "" : "s"})`,
      detail: { packages: i.packages, missing: i.missing.join(", ") },
    };
  }
  return [cold, size];
}

/** Every workload for every framework, one after the other in this process. */
export async function runSuite(sizes: Sizes, log: (line: string) => void = () => {}, only?: readonly string[]): Promise<Results> {
  const versions: Record<string, string> = { [plain.name]: `TypeScript ${installedVersion("typescript") ?? "?"}` };
  for (const fw of FRAMEWORKS) if (fw.pkg) versions[fw.name] = installedVersion(fw.pkg) ?? "not installed";
  versions["@langchain/core"] = installedVersion("@langchain/core") ?? "not installed";
  // Rows by id and title, in first-seen order; each phase adds its frameworks' cells.
  const rows = new Map<string, Row>();
  const add = (more: Row[]) => {
    for (const r of more) {
      const key = `${r.id} ${r.title}`;
      const known = rows.get(key);
      if (known) Object.assign(known.cells, r.cells);
      else rows.set(key, r);
    }
  };
  const step = async (name: string, work: () => Row[] | Promise<Row[]>) => {
    if (only && !only.includes(name.split(" ")[0] as string)) return;
    const started = performance.now();
    add(await work());
    log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  for (const phase of PHASES) {
    const names = phase.sequential.map((fw) => fw.name).join(" / ");
    await step(`W1 chain (${names})`, () => w1Chain(sizes, phase));
    await step(`W2 loop (${names})`, () => w2Loop(sizes, phase));
    await step(`W3 parallel batch, unbounded (${names})`, () => wParallel(sizes, phase, false));
    await step(`W4 parallel batch, capped (${names})`, () => wParallel(sizes, phase, true));
    await step(`W5 checkpointing (${names})`, () => w5Checkpoint(sizes, phase));
    await step(`W7 streaming (${names})`, () => w7Stream(sizes, phase));
  }
  await step("W6 cold import and size", () => w6Footprint(sizes));
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    loadavg: loadavg(),
    sizes,
    versions,
    rows: [...rows.values()],
  };
}

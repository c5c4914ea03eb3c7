/**
 * A checkpointed run's cost per step on MemorySaver before and after a change to the core, in one
 * process: `npx tsx --conditions=@flowlet/source src/memory-saver-before-after.ts [ref]` (in
 * `bench/`; default ref: c6d4074, the core before the checksum and registry-copy fixes). The core
 * at `ref` is extracted with `git archive` and imported from there. A chain of 1,000 nodes, a fresh
 * run (and runId) per round, interleaved, 3 warm-up rounds then 10; CPU µs per step, medians.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Flowlet from "flowlet";
import { BENCH_DIR } from "./footprint.js";
import { median } from "./measure.js";

const ref = process.argv[2] ?? "c6d4074";
const root = join(BENCH_DIR, "..");
const dir = mkdtempSync(join(tmpdir(), "flowlet-before-"));
execFileSync("sh", ["-c", `git -C "${root}" archive "${ref}" packages/flowlet/src | tar -x -C "${dir}"`]);
const before = (await import(pathToFileURL(join(dir, "packages/flowlet/src/index.ts")).href)) as typeof Flowlet;
const after = (await import(pathToFileURL(join(root, "packages/flowlet/src/index.ts")).href)) as typeof Flowlet;
rmSync(dir, { recursive: true, force: true });

const STEPS = 1000;

function checkpointed(core: typeof Flowlet): () => Promise<number> {
  class Increment extends core.Node<{ count: number }> {
    override post(shared: { count: number }) {
      shared.count++;
      return undefined;
    }
  }
  const nodes = Array.from({ length: STEPS }, () => new Increment());
  for (let i = 1; i < STEPS; i++) nodes[i - 1]!.next(nodes[i]!);
  const flow = new core.Flow(nodes[0]!);
  const checkpoint = new core.MemorySaver();
  let runs = 0;
  return async () => {
    const cpu = process.cpuUsage();
    const result = await flow.run({ count: 0 }, { checkpoint, runId: `r${++runs}` });
    const used = process.cpuUsage(cpu);
    if (result.shared.count !== STEPS) throw new Error(`visited ${result.shared.count} of ${STEPS} nodes`);
    return (used.user + used.system) / STEPS;
  };
}

const sides = { [`before (${ref})`]: checkpointed(before), after: checkpointed(after) };
const samples = new Map(Object.keys(sides).map((name) => [name, [] as number[]]));
for (let round = 0; round < 13; round++) {
  for (const [name, run] of Object.entries(sides)) {
    const us = await run();
    if (round >= 3) samples.get(name)!.push(us);
  }
}
for (const [name, us] of samples) {
  console.log(`${name}: ${median(us).toFixed(1)} µs CPU per step (${Math.min(...us).toFixed(0)}–${Math.max(...us).toFixed(0)})`);
}

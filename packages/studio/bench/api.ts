// How fast Studio's API answers on a big registry: 10,000 runs with 10 events each (100,000 events),
// written through each saver's public API. Run from the repository root:
//   npx tsx --conditions=@flowlet/source packages/studio/bench/api.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { type CheckpointSaver, MemorySaver } from "flowlet";
import { startStudio } from "../src/index.js";
import { fillRegistry } from "../test/registry.js";

const RUNS = 10_000;
const EVENTS_PER_RUN = 10;
const REPEAT = 20;

async function time(url: string): Promise<{ first: number; median: number; bytes: number }> {
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REPEAT; i++) {
    const start = performance.now();
    const response = await fetch(url);
    bytes = (await response.arrayBuffer()).byteLength;
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    samples.push(performance.now() - start);
    // Past the registry cache's reuse window every other time, so medians include fresh reads.
    if (i % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 800));
  }
  const first = samples[0] ?? 0;
  samples.sort((a, b) => a - b);
  return { first, median: samples[Math.floor(samples.length / 2)] ?? 0, bytes };
}

async function measure(name: string, saver: CheckpointSaver): Promise<void> {
  const filling = performance.now();
  await fillRegistry(saver, RUNS, EVENTS_PER_RUN);
  console.log(`\n${name}: filled ${RUNS} runs, ${RUNS * EVENTS_PER_RUN} events in ${((performance.now() - filling) / 1000).toFixed(1)} s`);
  const studio = await startStudio({ checkpoints: saver });
  try {
    const rows: [string, string][] = [
      ["runs, first page", "api/runs?limit=50"],
      ["runs, last page", "api/runs?limit=50&offset=9950"],
      ["runs, status + text filter", "api/runs?status=failed&q=bulk-01"],
      ["one run (registry row + history)", "api/runs/bulk-04242"],
      ["one run's events", "api/runs/bulk-04242/events"],
    ];
    console.log("| request | first (ms) | median (ms) | bytes |\n|---|---|---|---|");
    for (const [label, path] of rows) {
      const { first, median, bytes } = await time(`${studio.url}${path}`);
      console.log(`| ${label} | ${first.toFixed(1)} | ${median.toFixed(1)} | ${bytes.toLocaleString("en-US")} |`);
    }
  } finally {
    await studio.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "studio-bench-"));
try {
  await measure("MemorySaver", new MemorySaver());
  await measure("FileSaver", new FileSaver(join(dir, "runs"), { fsync: false }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Durable A2A task records: what one task-store write and read costs through
 * `checkpointTaskRecords` (lease, full record, prune, release) on each Saver v2 with its default
 * durability, and on FileSaver with fsync off, to show what the fsyncs cost. Every artifact update
 * of a served task is one write, so this is the floor under a streamed answer's update rate.
 *
 *   npx tsx --conditions=@flowlet/source bench/src/a2a-task-records.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { checkpointTaskRecords } from "../../packages/interop/src/index.js";
import { SqliteSaver } from "@flowlet/sqlite";
import type { CheckpointSaver } from "flowlet";

const OPS = 200;
const TASKS = 20;
const text = JSON.stringify({ v: 1, touched: 0, task: { id: "t", history: "x".repeat(2000) } });
const savers: [string, (dir: string) => CheckpointSaver][] = [
  ["FileSaver", (dir) => new FileSaver(join(dir, "runs"))],
  ["FileSaver (fsync off)", (dir) => new FileSaver(join(dir, "runs"), { fsync: false })],
  ["SqliteSaver", (dir) => new SqliteSaver(join(dir, "runs.db"))],
];
for (const [name, make] of savers) {
  const dir = await mkdtemp(join(tmpdir(), "flowlet-task-records-"));
  try {
    const records = checkpointTaskRecords(make(dir));
    let started = performance.now();
    for (let i = 0; i < OPS; i++) await records.write(`\u0000task${i % TASKS}`, text);
    const write = (performance.now() - started) / OPS;
    started = performance.now();
    for (let i = 0; i < OPS; i++) await records.read(`\u0000task${i % TASKS}`);
    const read = (performance.now() - started) / OPS;
    console.log(
      `${name.padEnd(22)} write ${write.toFixed(2).padStart(7)} ms   read ${read.toFixed(2).padStart(6)} ms   (${OPS} ops over ${TASKS} tasks, 2 KB records)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

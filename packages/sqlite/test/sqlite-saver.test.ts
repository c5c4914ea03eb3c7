import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@flowlet/sqlite";
import Database from "better-sqlite3";
import { CheckpointCorruptError, CheckpointVersionError, Flow, Node, ParallelBatchNode, readCheckpoint } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

type Shared = { log: string[]; squares?: number[] };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flowlet-sqlite-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let failItem: number | undefined;
const runs: number[] = [];
class Squares extends ParallelBatchNode<Shared, number, number> {
  override prep() {
    return [1, 2, 3, 4, 5, 6];
  }
  override async exec(i: number) {
    runs.push(i);
    await new Promise((r) => setTimeout(r, i * 3));
    if (i === failItem) throw new Error(`item ${i} failed`);
    return i * i;
  }
  override post(shared: Shared, _i: unknown, squares: number[]) {
    shared.squares = squares;
  }
}
class Note extends Node<Shared> {
  override post(shared: Shared) {
    shared.log.push(this.name);
  }
}
const build = () => {
  const start = new Note({ name: "start" });
  start.next(new Squares({ concurrency: 2 })).next(new Note({ name: "end" }));
  return new Flow(start);
};

describe("SqliteSaver", () => {
  it("resumes from a real SQLite file, through a new connection, without redoing finished items", async () => {
    const file = join(dir, "runs.db");
    failItem = 6;
    runs.length = 0;
    const first = new SqliteSaver(file);
    await expect(build().run({ log: [] }, { checkpoint: first, runId: "r" })).rejects.toThrow(/item 6 failed/);
    first.close();

    failItem = undefined;
    const before = [...runs];
    const second = new SqliteSaver(file);
    const result = await build().resume("r", { checkpoint: second });
    expect(result.shared).toEqual({ log: ["start", "end"], squares: [1, 4, 9, 16, 25, 36] });
    const rerun = runs.slice(before.length);
    expect(rerun).toContain(6);
    for (const i of rerun) expect(before.filter((b) => b === i).length, `item ${i}`).toBeLessThanOrEqual(1);
    expect(rerun.filter((i) => i < 5)).toEqual([]);
    expect((await second.list("r")).at(-1)?.status).toBe("completed");
    second.close();
  });

  it("skips a damaged row for the one before, and refuses when all are damaged", async () => {
    const file = join(dir, "runs.db");
    const warnings: string[] = [];
    const onCorrupt = (e: Error) => warnings.push(e.message);
    const saver = new SqliteSaver(file);
    await build().run({ log: [] }, { checkpoint: saver, runId: "r" });
    const newest = (await saver.list("r")).at(-1)?.seq ?? 0;
    const db = new Database(file);
    db.prepare("UPDATE flowlet_records SET body = substr(body, 1, 30) WHERE seq = ?").run(newest);
    expect((await readCheckpoint(saver, "r", { onCorrupt }))?.seq).toBe(newest - 1);
    expect(warnings[0]).toMatch(/r#\d+ in SqliteSaver.*fails its checksum/);
    db.prepare("UPDATE flowlet_records SET body = 'x'").run();
    db.close();
    await expect(readCheckpoint(saver, "r", { onCorrupt })).rejects.toBeInstanceOf(CheckpointCorruptError);
    await saver.delete("r");
    expect(await readCheckpoint(saver, "r")).toBeUndefined();
    saver.close();
  });
});

// A checkpoint as the first FileSaver and SqliteSaver wrote it (format version 1, one whole state per step).
const V1 = JSON.stringify({
  version: 1,
  runId: "old",
  seq: 3,
  at: "2026-11-20T10:00:00.000Z",
  status: "running",
  shape: "x",
  node: "Old/step",
  shared: { n: 2 },
  sharedKind: "object",
  params: {},
  frames: { "": { kind: "flow", next: 1, steps: 3, action: "default" } },
  answers: {},
});

describe("SqliteSaver and the first checkpoint format", () => {
  it("a run saved in format version 1 is refused with CheckpointVersionError naming it and what to do; delete clears it", async () => {
    const file = join(dir, "old.db");
    const db = new Database(file);
    // The first SqliteSaver's table, as it made it.
    db.exec("CREATE TABLE flowlet_checkpoints (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq))");
    db.prepare("INSERT INTO flowlet_checkpoints VALUES (?, ?, ?)").run("old", 3, V1);
    db.close();
    const saver = new SqliteSaver(file);
    const flow = () => new Flow(new Node({ name: "step" }), { name: "Old" });
    await expect(flow().resume("old", { checkpoint: saver })).rejects.toThrow(
      /Run "old" in SqliteSaver\(.*\) was saved in checkpoint format version 1 \(.*table flowlet_checkpoints\).*delete it/,
    );
    await expect(flow().run({}, { checkpoint: saver, runId: "old" })).rejects.toBeInstanceOf(CheckpointVersionError);
    // Other runs are not affected.
    expect((await flow().run({}, { checkpoint: saver, runId: "new" })).status).toBe("completed");
    await saver.delete("old");
    expect((await flow().run({}, { checkpoint: saver, runId: "old" })).status).toBe("completed");
    saver.close();
  });
});

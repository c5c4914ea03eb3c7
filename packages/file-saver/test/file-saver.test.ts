import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import {
  CheckpointCorruptError,
  CheckpointVersionError,
  CheckpointWriteError,
  Flow,
  Node,
  ParallelBatchNode,
  RunLockedError,
  describeGraph,
  readCheckpoint,
} from "flowlet";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mountTmpfs, startChild, unmount } from "./helpers.js";

type Shared = { n: number };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flowlet-files-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Where the next run fails, once: a stand-in for a crash. */
let stopAt: number | undefined;
class Count extends Node<Shared> {
  override post(shared: Shared) {
    shared.n++;
    if (shared.n === stopAt) {
      stopAt = undefined;
      throw new Error("stop");
    }
    return shared.n < 5 ? "again" : undefined;
  }
}
const counter = () => {
  const count = new Count();
  count.on("again", count);
  return new Flow(count, { name: "Counter" });
};
// The counter ends on a node whose only edge is "again", which the core warns about: each test
// captures what was warned, and only that warning may appear.
let warned: string[] = [];
beforeEach(() => {
  warned = [];
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warned.push(args.map(String).join(" ")));
});
afterEach(() => {
  vi.restoreAllMocks();
  expect(warned.filter((w) => w !== "Flow ends: 'default' not found in ['again']")).toEqual([]);
});

const segments = (runDir: string) => readdirSync(runDir).filter((f) => f.startsWith("s."));

describe("FileSaver with the engine", () => {
  it("writes one segment file per step, a registry row and an event log, releases its lease, and leaves no temporary file", async () => {
    const saver = new FileSaver(dir, { fsync: false });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "r" });
    const files = readdirSync(join(dir, "r")).sort();
    expect(files).toEqual(["events.jsonl", "run.json", ...[1, 2, 3, 4, 5, 6].map((n) => `s.${String(n).padStart(10, "0")}.json`)]);
    const last = readFileSync(join(dir, "r", "s.0000000006.json"), "utf8");
    const header = JSON.parse(last.slice(0, last.indexOf("\n")));
    expect(header.records[0]).toMatchObject({ runId: "r", seq: 6, status: "completed" });
    expect(await readCheckpoint(saver, "r")).toMatchObject({ version: 2, runId: "r", seq: 6, status: "completed", shared: { n: 5 } });
    expect(await saver.run("r")).toMatchObject({ status: "completed", steps: 6, flow: "Counter", lastNode: "Counter" });
  });

  it("a truncated latest checkpoint is reported and skipped for the last good one", async () => {
    const warnings: CheckpointCorruptError[] = [];
    const saver = new FileSaver(dir, { fsync: false });
    stopAt = 4;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow(/stop/);
    // Saved after n=1,2,3. Damage the newest (n=3) as an outside edit or a broken disk would.
    const newest = join(dir, "r", "s.0000000003.json");
    writeFileSync(newest, readFileSync(newest, "utf8").slice(0, -10));
    const result = await counter().resume("r", { checkpoint: saver, onCorrupt: (e) => warnings.push(e) });
    expect(result.shared).toEqual({ n: 5 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/r#3 in FileSaver.*fails its checksum.*Skipping it/);
  });

  it("a damaged header is reported too, and when every checkpoint is damaged resume refuses", async () => {
    const saver = new FileSaver(dir, { fsync: false });
    stopAt = 3;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow();
    for (const f of segments(join(dir, "r"))) writeFileSync(join(dir, "r", f), "\u0000garbage");
    expect((await saver.list("r")).map((row) => [row.seq, row.checksum])).toEqual([
      [1, ""],
      [2, ""],
    ]);
    const warnings: string[] = [];
    const resume = counter().resume("r", { checkpoint: saver, onCorrupt: (e) => warnings.push(e.message) });
    await expect(resume).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(counter().resume("r", { checkpoint: saver, onCorrupt: () => {} })).rejects.toThrow(/All 2 checkpoints.*Delete the run/);
    expect(warnings).toHaveLength(2);
  });

  it("keeps odd run ids inside its folder, and deletes a run", async () => {
    const saver = new FileSaver(dir, { fsync: false });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "../../escape me" });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: ".." });
    expect(readdirSync(dir).sort()).toEqual(["%2E%2E", "%2E%2E%2F%2E%2E%2Fescape%20me"]);
    expect((await saver.list("../../escape me")).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await saver.delete("../../escape me");
    expect(await saver.load("../../escape me")).toEqual([]);
    expect(await saver.list("never")).toEqual([]);
    expect((await saver.runs()).map((r) => r.runId)).toEqual([".."]);
  });

  it("recreates a checkpoint directory deleted between runs, and a run directory deleted under its lease", async () => {
    const root = join(dir, "deep", "runs");
    const saver = new FileSaver(root, { fsync: false });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "a" });
    rmSync(join(dir, "deep"), { recursive: true });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "b" });
    expect((await saver.list("b")).length).toBe(6);

    const lease = await saver.acquire("c", { ttlMs: 10_000 });
    rmSync(root, { recursive: true });
    const at = new Date().toISOString();
    const record = { runId: "c", seq: 1, at, status: "running" as const, node: "n", kind: "full" as const, checksum: "x", body: "{}" };
    await saver.append(lease, [record], { runId: "c", status: "running", flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: 1 });
    expect((await saver.list("c")).map((r) => r.seq)).toEqual([1]);
    await expect(new FileSaver(root).acquire("c", { ttlMs: 1000 })).rejects.toBeInstanceOf(RunLockedError);
    await saver.release(lease);
  });
});

describe("FileSaver leases across processes", () => {
  it("a live owner in another process locks the run; once it is killed, its lease is taken over at once", async () => {
    const holder = startChild(["hold", dir, "r"], "held");
    await holder.ready;
    const saver = new FileSaver(dir, { fsync: false });
    const refused = saver.acquire("r", { ttlMs: 10_000 });
    await expect(refused).rejects.toBeInstanceOf(RunLockedError);
    await expect(refused).rejects.toThrow(new RegExp(`process ${holder.proc.pid} on this host holds its lease`));
    holder.proc.kill("SIGKILL");
    await holder.exit;
    const started = Date.now();
    const lease = await saver.acquire("r", { ttlMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(2_000); // not the 600 s ttl the dead owner took
    await saver.release(lease);
  });

  it("two processes appending to one run keep one gapless history and event log", async () => {
    const writers = [startChild(["append", dir, "r", "20"], "done"), startChild(["append", dir, "r", "20"], "done")];
    await Promise.all(writers.map((w) => w.ready));
    const saver = new FileSaver(dir);
    const rows = await saver.list("r");
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.node)).size).toBe(2);
    const events = await saver.events("r");
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await saver.run("r"))?.steps).toBe(40);
  }, 60_000);

  it("removes the temporary files of a dead process when it takes a lease", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const runDir = join(dir, "r");
    mkdirSync(runDir, { recursive: true });
    const { hostname } = await import("node:os");
    const host = hostname().replaceAll("-", "_");
    const leftover = join(runDir, `.tmp-${host}-${dead}-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2b`);
    const live = join(runDir, `.tmp-${host}-${process.pid}-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2c`);
    writeFileSync(leftover, '{"v":2,"records":[{"seq":3, "tru');
    writeFileSync(live, "in flight");
    const saver = new FileSaver(dir, { fsync: false });
    const lease = await saver.acquire("r", { ttlMs: 1000 });
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(await saver.list("r")).toEqual([]);
    await saver.release(lease);
  });

  it("sweeps a run's stale temporaries when its history is listed or pruned, and only those provably not in flight", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const runDir = join(dir, "r");
    mkdirSync(runDir, { recursive: true });
    const { hostname } = await import("node:os");
    const host = hostname().replaceAll("-", "_");
    // A UUID part made only of digits once passed for the pid, and such files were never swept.
    const deadDigits = join(runDir, `.tmp-${host}-${dead}-12345678-1234-4123-8123-123456789012`);
    const liveOther = join(runDir, `.tmp-${host}-1-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2c`); // pid 1 lives
    const farFresh = join(runDir, ".tmp-otherhost-4242-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2d");
    const farStale = join(runDir, ".tmp-otherhost-4243-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2e");
    const own = join(runDir, `.tmp-${host}-${process.pid}-0b5e8f2a-3c1d-4e5f-9a8b-7c6d5e4f3a2f`);
    for (const f of [deadDigits, liveOther, farFresh, farStale, own]) writeFileSync(f, "partial");
    const old = new Date(Date.now() - 60_000);
    for (const f of [farStale, own]) utimesSync(f, old, old);
    const saver = new FileSaver(dir, { fsync: false });
    expect(await saver.list("r")).toEqual([]);
    // A dead process's at once; another host's once older than the ttl (30 s without a lease); never a live one's, nor ours.
    expect([deadDigits, liveOther, farFresh, farStale, own].map((f) => existsSync(f))).toEqual([false, true, true, false, true]);
    // With a lease of 1 s, another live process's temporary untouched for longer than that is stale too.
    const lease = await saver.acquire("r", { ttlMs: 1000 });
    utimesSync(liveOther, old, old);
    const soon = new Date(Date.now() + 10_000); // however slow this machine, it is not stale yet
    utimesSync(farFresh, soon, soon);
    writeFileSync(deadDigits, "partial");
    await saver.prune("r", { keepFull: 1 });
    expect([deadDigits, liveOther, farFresh, own].map((f) => existsSync(f))).toEqual([false, false, true, true]);
    await saver.release(lease);
  });
});

describe("FileSaver write failures are typed", () => {
  const quiet = () => {
    // console.warn is captured for every test, above.
    const spies = [vi.spyOn(console, "error"), vi.spyOn(console, "log")];
    return () => {
      for (const spy of spies) {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
    };
  };

  it("a full disk (a real 256 KB tmpfs) gives CheckpointWriteError naming saver and path, and taking a lease on a full disk fails the same way", async () => {
    const done = quiet();
    const disk = mountTmpfs(dir, "small", "size=256k");
    try {
      const saver = new FileSaver(disk);
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      const at = new Date().toISOString();
      const body = JSON.stringify({ fill: "x".repeat(400_000) });
      const record = { runId: "r", seq: 1, at, status: "running" as const, node: "n", kind: "full" as const, checksum: "x", body };
      const info = { runId: "r", status: "running" as const, flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: 1 };
      const error = await saver.append(lease, [record], info).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointWriteError);
      expect(error).toMatchObject({ code: "ENOSPC", saver: `FileSaver(${disk})`, runId: "r" });
      expect((error as CheckpointWriteError).path).toBe(join(disk, "r", "s.0000000001.json"));
      expect((error as Error).message).toMatch(/cannot write .*s\.0000000001\.json: the disk is full\. Free space, then resume run "r"/);
      expect(readdirSync(join(disk, "r")).filter((f) => f.startsWith(".tmp"))).toEqual([]);
      await saver.release(lease);

      try {
        writeFileSync(join(disk, "filler"), Buffer.alloc(256 * 1024));
      } catch {}
      const refused = await saver.acquire("other", { ttlMs: 1000 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: "CheckpointWriteError", code: "ENOSPC" });
    } finally {
      unmount(disk);
      done();
    }
  });

  it("a read-only file system gives CheckpointWriteError with EROFS", async () => {
    const done = quiet();
    const disk = mountTmpfs(dir, "ro", "size=64k,ro");
    try {
      const error = await new FileSaver(disk).acquire("r", { ttlMs: 1000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointWriteError);
      expect(error).toMatchObject({ code: "EROFS" });
      expect((error as Error).message).toMatch(/the file system is read-only\. Point the saver at a writable place/);
    } finally {
      unmount(disk);
      done();
    }
  });

  it("a directory this process may not write gives CheckpointWriteError with EACCES (a child running as nobody)", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(dir, 0o755);
    chmodSync(locked, 0o755);
    const out = spawnSync(
      process.execPath,
      ["--import", "tsx", "--conditions=@flowlet/source", join(import.meta.dirname, "lease-child.ts"), "acquire", locked, "r"],
      {
        uid: 65534,
        gid: 65534,
        env: { ...process.env, HOME: "/tmp" },
      },
    );
    const line = out.stdout.toString().split("\n")[0] ?? "";
    expect(JSON.parse(line || "{}"), out.stderr.toString()).toMatchObject({ name: "CheckpointWriteError", code: "EACCES" });
    expect(JSON.parse(line).message).toMatch(/permission is denied\. Give this process write access/);
  });
});

describe("what a run records for UIs, on disk", () => {
  it("the graph in the registry row, and every batch item's start and end in the event log, read by a fresh saver", async () => {
    type Items = { squares?: number[] };
    class Square extends ParallelBatchNode<Items, number, number> {
      override prep() {
        return [1, 2, 3];
      }
      override exec(n: number) {
        return n * n;
      }
      override post(shared: Items, _items: unknown, results: number[]) {
        shared.squares = results;
      }
    }
    const flow = new Flow<Items>(new Square({ name: "Square" }), { name: "Squares" });
    await flow.run({}, { checkpoint: new FileSaver(dir, { fsync: false }), runId: "ui" });
    const saver = new FileSaver(dir);
    expect(JSON.parse((await saver.run("ui"))?.graph ?? "null")).toEqual(describeGraph(flow));
    const items = (await saver.events("ui")).filter((e) => e.type === "itemStart" || e.type === "itemEnd");
    expect(items).toHaveLength(6);
    for (const event of items)
      expect(event).toMatchObject({ path: "Squares/Square", data: { item: expect.any(Number), key: expect.any(String) } });
    expect(
      items.filter((e) => e.type === "itemEnd").every((e) => typeof (e.data as { durationMs?: unknown }).durationMs === "number"),
    ).toBe(true);
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

describe("FileSaver and the first checkpoint format", () => {
  it("a run saved in format version 1 is refused with CheckpointVersionError naming it and what to do; delete clears it", async () => {
    const runDir = join(dir, "old");
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "00000003.json"), V1);
    const saver = new FileSaver(dir, { fsync: false });
    const flow = () => new Flow(new Node({ name: "step" }), { name: "Old" });
    const resumed = flow().resume("old", { checkpoint: saver });
    await expect(resumed).rejects.toBeInstanceOf(CheckpointVersionError);
    await expect(flow().resume("old", { checkpoint: saver })).rejects.toThrow(
      /Run "old" in FileSaver\(.*\) was saved in checkpoint format version 1 \(.*old\).*Finish it with the Flowlet version that started it, or delete it/,
    );
    // A fresh run under that id would silently shadow the old one: refused the same way.
    await expect(flow().run({}, { checkpoint: saver, runId: "old" })).rejects.toBeInstanceOf(CheckpointVersionError);
    await saver.delete("old");
    expect((await flow().run({}, { checkpoint: saver, runId: "old" })).status).toBe("completed");
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { CheckpointCorruptError, Flow, Node } from "flowlet";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

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

describe("FileSaver", () => {
  it("writes one JSON file per step, and no temporary file survives", async () => {
    await counter().run({ n: 0 }, { checkpoint: new FileSaver(dir, { fsync: false }), runId: "r" });
    const files = readdirSync(join(dir, "r"));
    expect(files).toEqual(["00000001.json", "00000002.json", "00000003.json", "00000004.json", "00000005.json", "00000006.json"]);
    const last = JSON.parse(readFileSync(join(dir, "r", "00000006.json"), "utf8"));
    expect(last).toMatchObject({ version: 1, runId: "r", seq: 6, status: "completed", shared: { n: 5 } });
  });

  it("a truncated latest checkpoint is reported and skipped for the last good one", async () => {
    const warnings: CheckpointCorruptError[] = [];
    const saver = new FileSaver(dir, { onCorrupt: (e) => warnings.push(e) });
    stopAt = 4;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow(/stop/);
    // Saved after n=1,2,3. Damage the newest (n=3) as a torn write would.
    const newest = join(dir, "r", "00000003.json");
    writeFileSync(newest, readFileSync(newest, "utf8").slice(0, 40));
    const result = await counter().resume("r", { checkpoint: saver });
    expect(result.shared).toEqual({ n: 5 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/00000003\.json is not valid JSON.*cut short.*Skipping it/);
  });

  it("a file that is JSON but not a checkpoint is skipped too", async () => {
    const warnings: string[] = [];
    const saver = new FileSaver(dir, { onCorrupt: (e) => warnings.push(e.message) });
    stopAt = 3;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow();
    writeFileSync(join(dir, "r", "00000002.json"), JSON.stringify({ hello: "world" }));
    const loaded = await saver.load("r");
    expect(loaded?.seq).toBe(1);
    expect(warnings[0]).toMatch(/not a Flowlet checkpoint/);
  });

  it("when every checkpoint is damaged it refuses, rather than silently starting over", async () => {
    const saver = new FileSaver(dir, { onCorrupt: () => {} });
    stopAt = 3;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow();
    for (const f of readdirSync(join(dir, "r"))) writeFileSync(join(dir, "r", f), "\u0000garbage");
    const resume = counter().resume("r", { checkpoint: saver });
    await expect(resume).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(counter().resume("r", { checkpoint: saver })).rejects.toThrow(/All 2 checkpoints.*Move that directory away/);
  });

  it("lists history, loads a given step, deletes a run, and keeps odd run ids inside its folder", async () => {
    const saver = new FileSaver(dir, { fsync: false });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "../../escape me" });
    expect(readdirSync(dir)).toEqual([encodeURIComponent("../../escape me")]);
    expect((await saver.list("../../escape me")).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await saver.load("../../escape me", 2))?.shared).toEqual({ n: 2 });
    await saver.delete("../../escape me");
    expect(await saver.load("../../escape me")).toBeUndefined();
    expect(await saver.list("never")).toEqual([]);
  });

  it("keeps only the newest checkpoints when asked to", async () => {
    const saver = new FileSaver(dir, { fsync: false, keep: 2 });
    await counter().run({ n: 0 }, { checkpoint: saver, runId: "r" });
    expect(readdirSync(join(dir, "r"))).toEqual(["00000005.json", "00000006.json"]);
    expect(() => new FileSaver(dir, { keep: 0 })).toThrow(/keep must be at least 1/);
  });

  it("ignores leftover temporary files from a crash mid-write", async () => {
    const saver = new FileSaver(dir);
    stopAt = 3;
    await expect(counter().run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow();
    writeFileSync(join(dir, "r", "00000003.json.0b5e.tmp"), '{"version":1,"seq":3, "tru');
    expect((await saver.load("r"))?.seq).toBe(2);
  });
});

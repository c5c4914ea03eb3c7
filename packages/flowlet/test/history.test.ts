import { MemorySaver, checksumOf } from "flowlet";
import { describe, expect, it } from "vitest";
import { type EntryTexts, HistoryWriter, applyChain, loadState } from "../src/history.js";
import type { CheckpointRecord } from "../src/saver.js";

async function append(saver: MemorySaver, runId: string, seq: number, kind: "full" | "delta", body: string) {
  const lease = await saver.acquire(runId, { ttlMs: 10_000 });
  const at = new Date().toISOString();
  const record: CheckpointRecord = { runId, seq, at, status: "running", node: "n", kind, checksum: await checksumOf(body), body };
  await saver.append(lease, [record], { runId, status: "running", flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: seq });
  await saver.release(lease);
  return record;
}

describe("history: full and delta records", () => {
  it("writes a full record first, then deltas of only what changed, and a full once deltas outweigh it", () => {
    const writer = new HistoryWriter();
    const entries: EntryTexts = new Map([
      ["s:big", JSON.stringify("x".repeat(10_000))],
      ["s:n", "0"],
    ]);
    const first = writer.encode(entries, new Set(entries.keys()), new Set());
    expect(first.kind).toBe("full");
    const kinds: string[] = [];
    let written = 0;
    for (let n = 1; n <= 400; n++) {
      entries.set("s:n", String(n));
      entries.set(`s:k${n}`, JSON.stringify("y".repeat(100)));
      const { kind, body } = writer.encode(entries, new Set(["s:n", `s:k${n}`]), new Set());
      kinds.push(kind);
      written += body.length;
      if (kind === "delta") expect(body.length).toBeLessThan(200);
    }
    // Deltas of ~130 bytes: a new full after ~10 KB of them, so writing stays within 2× the change.
    expect(kinds.filter((k) => k === "full").length).toBeGreaterThanOrEqual(1);
    expect(written / 400).toBeLessThan(2 * 135 + 64);
  });

  it("a full record every fullEvery steps at the latest", () => {
    const writer = new HistoryWriter({ fullEvery: 5 });
    const entries: EntryTexts = new Map([["s:big", JSON.stringify("x".repeat(100_000))]]);
    const kinds = Array.from({ length: 11 }, (_, n) => {
      entries.set("s:n", String(n));
      return writer.encode(entries, new Set(["s:n"]), new Set()).kind;
    });
    expect(kinds).toEqual(["full", "delta", "delta", "delta", "delta", "full", "delta", "delta", "delta", "delta", "full"]);
  });

  it("applies a chain: sets and deletes on top of the full record", () => {
    const writer = new HistoryWriter();
    const entries: EntryTexts = new Map([
      ["a", "1"],
      ["b", JSON.stringify({ deep: [1, 2] })],
    ]);
    const bodies = [writer.encode(entries, new Set(entries.keys()), new Set())];
    entries.delete("a");
    entries.set("c", '"new"');
    bodies.push(writer.encode(entries, new Set(["c"]), new Set(["a"])));
    const records = bodies.map(
      (b, i) => ({ runId: "r", seq: i + 1, at: "", status: "running", node: "", checksum: "", ...b }) as CheckpointRecord,
    );
    expect(Object.fromEntries(applyChain(records, (r) => `#${r.seq}`))).toEqual({ b: { deep: [1, 2] }, c: "new" });
  });

  it("loads the latest state; a damaged record is reported and the state before it is used", async () => {
    const saver = new MemorySaver();
    await append(saver, "r", 1, "full", JSON.stringify({ v: 2, full: { n: 1 } }));
    await append(saver, "r", 2, "delta", JSON.stringify({ v: 2, set: { n: 2 }, del: [] }));
    const good = await loadState(saver, "r");
    expect(Object.fromEntries(good?.entries ?? [])).toEqual({ n: 2 });
    const lease = await saver.acquire("r", { ttlMs: 10_000 });
    const at = new Date().toISOString();
    const forged = {
      runId: "r",
      seq: 3,
      at,
      status: "running" as const,
      node: "n",
      kind: "delta" as const,
      checksum: "sha256:00",
      body: '{"v":2,"set":{"n":99},"del":[]}',
    };
    await saver.append(lease, [forged], { runId: "r", status: "running", flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: 3 });
    await saver.release(lease);
    const warnings: string[] = [];
    const fallback = await loadState(saver, "r", { onCorrupt: (e) => warnings.push(e.message) });
    expect(Object.fromEntries(fallback?.entries ?? [])).toEqual({ n: 2 });
    expect(fallback?.last.seq).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/r#3 in MemorySaver fails its checksum.*Skipping it for the checkpoint before it/)]);
    expect(await loadState(saver, "nobody")).toBeUndefined();
  });

  it("refuses when no state can be rebuilt", async () => {
    const saver = new MemorySaver();
    await append(saver, "r", 1, "full", "{broken");
    await expect(loadState(saver, "r", { onCorrupt: () => {} })).rejects.toThrow(/cannot be resumed/);
  });
});

import { Flow, MemorySaver, Node, checksumOf, readCheckpoint } from "flowlet";
import { describe, expect, it } from "vitest";

// MemorySaver keeps each run's latest state parsed: loading it costs one state, not the chain.

type Count = { n: number; blob: string; list: number[] };

class Inc extends Node<Count> {
  constructor(readonly until: number) {
    super({ name: "inc" });
  }
  override post(shared: Count) {
    shared.n++;
    return shared.n < this.until ? "again" : "done";
  }
}
const loop = (until: number) => {
  const inc = new Inc(until);
  inc.on("again", inc);
  inc.on("done", new Node({ name: "end" }));
  return new Flow(inc, { name: "Loop" });
};

/** Counts the records that loads hand out: the work of replaying chains. */
class CountingSaver extends MemorySaver {
  replayed = 0;
  override async load(runId: string, options?: { seq?: number }) {
    const records = await super.load(runId, options);
    this.replayed += records.length;
    return records;
  }
}

/** A run of `steps` steps whose records after the first are all deltas (the 200 KB blob never changes). */
async function longChain(steps: number) {
  const saver = new CountingSaver();
  await loop(steps).run({ n: 0, blob: "x".repeat(200_000), list: [1] }, { checkpoint: saver, runId: "r", retention: "all" });
  const history = await saver.list("r");
  expect(history.filter((r) => r.kind === "full")).toHaveLength(1);
  expect(history.length).toBeGreaterThan(steps);
  return saver;
}

describe("MemorySaver keeps states parsed", () => {
  it("reads the latest state without replaying its chain, however long", async () => {
    for (const steps of [10, 400]) {
      const saver = await longChain(steps);
      const latest = await readCheckpoint(saver, "r");
      expect(latest?.shared.n).toBe(steps);
      expect(latest?.status).toBe("completed");
      expect(saver.replayed).toBe(0);
      // An earlier step (time travel) is rebuilt from its chain, as from any saver.
      const early = await readCheckpoint(saver, "r", { seq: 3 });
      expect(early?.shared.n).toBe(3);
      expect(saver.replayed).toBe(3);
    }
  });

  it("hands out copies: a resumed store changed in place does not change what is saved", async () => {
    const saver = new MemorySaver();
    await loop(3).run({ n: 0, blob: "", list: [1] }, { checkpoint: saver, runId: "r" });
    const first = await readCheckpoint(saver, "r");
    if (!first) throw new Error("no checkpoint");
    (first.shared.list as number[]).push(99);
    expect((await readCheckpoint(saver, "r"))?.shared.list).toEqual([1]);
  });

  it("a damaged latest record is still reported and skipped, through the chain", async () => {
    const saver = new MemorySaver();
    await loop(3).run({ n: 0, blob: "", list: [1] }, { checkpoint: saver, runId: "r", retention: "all" });
    const lease = await saver.acquire("r", { ttlMs: 1000 });
    const last = (await saver.list("r")).at(-1);
    const info = await saver.run("r");
    const body = '{"v":2,"set":{"s/n":1000},"del":[]}';
    await saver.append(
      lease,
      [{ ...(last as NonNullable<typeof last>), seq: (last?.seq ?? 0) + 1, body, checksum: `${await checksumOf(body)}0` }],
      info!,
    );
    const warnings: string[] = [];
    const read = await readCheckpoint(saver, "r", { onCorrupt: (e) => warnings.push(e.message) });
    expect(read?.shared.n).toBe(3);
    expect(warnings).toEqual([expect.stringMatching(/fails its checksum/)]);
  });
});

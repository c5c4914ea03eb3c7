import { Flow, MemorySaver, Node, SnapshotError, type StandardSchemaV1, Store, StoreSchemaError, readCheckpoint } from "flowlet";
import { describe, expect, it } from "vitest";
import { z } from "zod";

describe("Store", () => {
  const schema = { count: z.number().int().nonnegative(), tags: z.array(z.string()) };

  it("checks every top-level write against its key's schema, naming the key", () => {
    const store = new Store({ count: 0, tags: [] as string[], free: "anything" }, { schema });
    store.set("count", 3);
    expect(store.get("count")).toBe(3);
    expect(() => store.set("count", -1)).toThrow(StoreSchemaError);
    expect(() => store.set("tags", [1 as unknown as string])).toThrow(/Store key "tags".*0/);
    expect(store.get("count")).toBe(3);
    store.set("free", "unchecked keys take anything");
  });

  it("rejects an invalid initial value", () => {
    expect(() => new Store({ count: -5, tags: [] }, { schema })).toThrow(/"count"/);
  });

  it("tells observers about every write, with the previous value", () => {
    const store = new Store({ count: 0, tags: [] as string[] }, { schema });
    const seen: unknown[] = [];
    const stop = store.observe((key, value, previous) => seen.push([key, value, previous]));
    store.update("count", (n) => n + 1);
    store.set("tags", ["a"]);
    stop();
    store.set("count", 9);
    expect(seen).toEqual([
      ["count", 1, 0],
      ["tags", ["a"], []],
    ]);
  });

  it("round-trips through snapshot() and Store.restore()", () => {
    const store = new Store({ count: 2, tags: ["x"], nested: { deep: [1, { a: null }] } });
    const copy = Store.restore(JSON.stringify(store.snapshot()));
    expect(copy.get("nested")).toEqual({ deep: [1, { a: null }] });
    expect(copy.snapshot()).toEqual(store.snapshot());
  });

  it.each([
    ["a function", () => 1, /it is a function/],
    ["a Map", new Map(), /it is a Map/],
    ["a Date", new Date(0), /it is a Date/],
    ["NaN", Number.NaN, /it is NaN/],
    ["a bigint", 1n, /it is a bigint/],
  ])("snapshot() refuses %s loudly, naming the key", (_what, value, message) => {
    const store = new Store<Record<string, unknown>>({ ok: 1, bad: { inner: value } });
    expect(() => store.snapshot()).toThrow(SnapshotError);
    expect(() => store.snapshot()).toThrow(message);
    expect(() => store.snapshot()).toThrow(/bad\.inner/);
  });

  it("refuses circular data", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => new Store({ loop }).snapshot()).toThrow(/circular/);
  });

  it("works as a flow's shared store and is checkpointed as a Store", async () => {
    type Data = { count: number; tags: string[] };
    class Bump extends Node<Store<Data>> {
      override post(store: Store<Data>) {
        store.update("count", (n) => n + 1);
        return store.get("count") < 3 ? "again" : undefined;
      }
    }
    const bump = new Bump();
    bump.on("again", bump);
    const saver = new MemorySaver();
    const shared = new Store<Data>({ count: 0, tags: [] }, { schema });
    const warnings: string[] = [];
    const result = await new Flow(bump).run(shared, { checkpoint: saver, runId: "s", onWarning: (w) => void warnings.push(w.message) });
    expect(result.status).toBe("completed");
    expect(warnings).toEqual(["Flow ends: 'default' not found in ['again']"]);
    const last = await readCheckpoint(saver, "s");
    expect(last?.sharedKind).toBe("store");
    expect(last?.shared).toEqual({ count: 3, tags: [] });
  });

  it("a schema violation inside a node fails the run with the key named", async () => {
    class Bad extends Node<Store<{ count: number; tags: string[] }>> {
      override post(store: Store<{ count: number; tags: string[] }>) {
        store.set("count", -1);
      }
    }
    const run = new Flow(new Bad()).run(new Store({ count: 0, tags: [] }, { schema }));
    await expect(run).rejects.toThrow(/Store key "count"/);
  });

  it("rejects async schemas on a write, with a clear message", () => {
    const asyncSchema: StandardSchemaV1<unknown, number> = {
      "~standard": { version: 1, vendor: "test", validate: async (v: unknown) => ({ value: v as number }) },
    };
    expect(() => new Store({ a: 1 }, { schema: { a: asyncSchema } })).toThrow(/async/);
  });
});

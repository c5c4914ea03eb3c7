/**
 * `flowlet/testing`: the contract suite every checkpoint saver must pass.
 *
 * With vitest's `describe` and `it`, and `describeSaver` from `flowlet/testing`:
 *
 * ```ts
 * describeSaver("FileSaver", () => {
 *   const dir = mkdtempSync(join(tmpdir(), "runs-"));
 *   return { open: () => new FileSaver(dir), close: () => rmSync(dir, { recursive: true }) };
 * }, { describe, it });
 * ```
 *
 * It takes the test runner's `describe` and `it`, so the core keeps zero dependencies, and asserts
 * by throwing plain errors. Errors are recognised by `name`, so a saver built against another copy
 * of `flowlet` passes too.
 */
import type { CheckpointInfo, CheckpointRecord, CheckpointSaver, RunInfo, RunStatus } from "./saver.js";

/** A fresh, empty store for one test. */
export interface SaverFixture {
  /** A saver on this fixture's store. Each call may return a new instance (a new connection) over the same store. */
  open(): CheckpointSaver | Promise<CheckpointSaver>;
  /** Frees the store: closes connections, removes files. */
  close?(): void | Promise<void>;
}

/** The parts of a test runner the suite needs (vitest's, jest's, node:test's and mocha's fit). */
export interface SuiteRunner {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeout?: number): void;
}

/** Registers the Saver v2 contract tests for one saver under `describe(name)`. */
export function describeSaver(name: string, factory: () => SaverFixture | Promise<SaverFixture>, runner: SuiteRunner): void {
  const { describe, it } = runner;
  const test = (title: string, body: (fx: Open) => Promise<void>, timeout = 20_000) =>
    it(
      title,
      async () => {
        const fixture = await factory();
        try {
          await body(() => Promise.resolve(fixture.open()));
        } finally {
          await fixture.close?.();
        }
      },
      timeout,
    );

  describe(`${name} (Saver v2 contract)`, () => {
    test("has a name for error messages", async (open) => {
      const saver = await open();
      check(typeof saver.name === "string" && saver.name.length > 0, `saver.name is ${JSON.stringify(saver.name)}`);
    });

    test("appends and loads chains from the newest full record", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r1", { ttlMs: 10_000, create: true });
      const kinds: CheckpointRecord["kind"][] = ["full", "delta", "delta", "full", "delta"];
      for (const [i, kind] of kinds.entries()) await saver.append(lease, [record("r1", i + 1, kind)], info("r1", i + 1));
      equal(seqs(await saver.load("r1")), [4, 5], "load() of the latest");
      equal(seqs(await saver.load("r1", { seq: 3 })), [1, 2, 3], "load({ seq: 3 })");
      equal(seqs(await saver.load("r1", { seq: 4 })), [4], "load({ seq: 4 })");
      equal(await saver.load("r1", { seq: 9 }), [], "load of a seq that does not exist");
      equal(await saver.load("nobody"), [], "load of an unknown run");
      equal((await saver.load("r1"))[1], record("r1", 5, "delta"), "a loaded record, field by field");
      await saver.release(lease);
    });

    test("appends several records at once, and bodies round-trip byte for byte", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      const odd = `{"text":"żółw 🐢 \\u0000 \\n\\"quoted\\"","big":"${"x".repeat(300_000)}"}`;
      const batch = [record("r", 1, "full", odd), record("r", 2, "delta"), record("r", 3, "delta", "[]")];
      await saver.append(lease, batch, info("r", 3));
      const loaded = await saver.load("r");
      equal(loaded, batch, "the three records");
      equal(
        (await saver.list("r")).map((row) => row.checksum),
        ["c1", "c2", "c3"],
        "checksums as given",
      );
      await saver.release(lease);
    });

    test("an append that does not continue the history is a CheckpointConflictError and writes nothing", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      await saver.append(lease, [record("r", 1, "full")], info("r", 1));
      await rejects(saver.append(lease, [record("r", 1, "full")], info("r", 1)), "CheckpointConflictError", "re-appending seq 1");
      await rejects(saver.append(lease, [record("r", 3, "delta")], info("r", 3)), "CheckpointConflictError", "skipping seq 2");
      await rejects(
        saver.append(lease, [record("r", 2, "delta"), record("r", 4, "delta")], info("r", 4)),
        "CheckpointConflictError",
        "a batch with a gap",
      );
      equal(seqs(await saver.list("r")), [1], "history after the refused appends");
      equal((await saver.run("r"))?.steps, 1, "the registry row after the refused appends");
      await rejects(saver.append(lease, [record("r", 1, "full")], info("r", 1)), "CheckpointConflictError", "a fresh run at seq 1 again");
      await saver.release(lease);
    });

    test("a lease is exclusive, across instances too, and is free again once released", async (open) => {
      const [a, b] = [await open(), await open()];
      const lease = await a.acquire("r", { ttlMs: 10_000 });
      const started = Date.now();
      await rejects(b.acquire("r", { ttlMs: 10_000 }), "RunLockedError", "a second owner");
      await rejects(a.acquire("r", { ttlMs: 10_000 }), "RunLockedError", "a second owner through the same instance");
      check(Date.now() - started < 2_000, `RunLockedError took ${Date.now() - started} ms: it must come at once`);
      await a.release(lease);
      const again = await b.acquire("r", { ttlMs: 10_000 });
      await b.release(again);
    });

    test("acquire with wait gets the lease once its owner releases it, or gives up after wait", async (open) => {
      const [a, b] = [await open(), await open()];
      const lease = await a.acquire("r", { ttlMs: 10_000 });
      const started = Date.now();
      await rejects(b.acquire("r", { ttlMs: 10_000, wait: 150 }), "RunLockedError", "waiting 150 ms on a held lease");
      check(Date.now() - started >= 140, `acquire gave up after ${Date.now() - started} ms, before its wait of 150 ms`);
      setTimeout(() => void a.release(lease), 100);
      const waited = await b.acquire("r", { ttlMs: 10_000, wait: 5_000 });
      check(waited.token !== lease.token, "a new owner gets a new token");
      await b.release(waited);
    });

    test("an expired lease is taken over; the old owner can neither renew nor append nor release it", async (open) => {
      const [a, b] = [await open(), await open()];
      const old = await a.acquire("r", { ttlMs: 60 });
      await a.append(old, [record("r", 1, "full")], info("r", 1));
      await sleep(150);
      const taken = await b.acquire("r", { ttlMs: 10_000 });
      check(taken.token !== old.token, "a takeover gets a new token");
      await rejects(a.renew(old), "LeaseLostError", "renewing a lease taken over");
      await rejects(a.append(old, [record("r", 2, "delta")], info("r", 2)), "LeaseLostError", "appending with a lease taken over");
      await a.release(old);
      await rejects(a.acquire("r", { ttlMs: 10_000 }), "RunLockedError", "acquire after the old owner's release");
      await b.append(taken, [record("r", 2, "delta")], info("r", 2));
      equal(seqs(await b.list("r")), [1, 2], "history written by the new owner only");
      await b.release(taken);
    });

    test("renew keeps a lease alive past its first ttl", async (open) => {
      const [a, b] = [await open(), await open()];
      let lease = await a.acquire("r", { ttlMs: 400 });
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        lease = await a.renew(lease);
      }
      await rejects(b.acquire("r", { ttlMs: 10_000 }), "RunLockedError", "acquire while the owner renews");
      check(lease.expiresAt > Date.now(), "the renewed lease expires in the future");
      await a.append(lease, [record("r", 1, "full")], info("r", 1));
      await a.release(lease);
    });

    test("create: true refuses a run that exists, atomically", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000, create: true });
      await saver.append(lease, [record("r", 1, "full")], info("r", 1));
      await saver.release(lease);
      await rejects(saver.acquire("r", { ttlMs: 10_000, create: true }), "RunExistsError", "create on a run with history");
      const resumed = await saver.acquire("r", { ttlMs: 10_000 });
      await saver.release(resumed);
    });

    test("of many concurrent acquires, exactly one wins", async (open) => {
      const savers = [await open(), await open()];
      const attempts = Array.from({ length: 12 }, (_, i) => savers[i % 2]?.acquire("r", { ttlMs: 10_000, create: true }));
      const outcomes = await Promise.allSettled(attempts);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      equal(won.length, 1, "acquires that won");
      for (const o of outcomes) {
        if (o.status === "rejected") check(hasName(o.reason, "RunLockedError"), `a loser failed with ${String(o.reason)}`);
      }
    });

    test("runs() lists the registry newest first, filtered by status, limited; run() reads one row", async (open) => {
      const saver = await open();
      const statuses: RunStatus[] = ["completed", "running", "failed", "interrupted", "canceled"];
      for (const [i, status] of statuses.entries()) {
        const id = `run-${i}`;
        const lease = await saver.acquire(id, { ttlMs: 10_000 });
        const row = { ...info(id, 1, status), updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() };
        await saver.append(lease, [record(id, 1, "full")], row);
        await saver.release(lease);
      }
      equal(
        (await saver.runs()).map((r) => r.runId),
        ["run-4", "run-3", "run-2", "run-1", "run-0"],
        "runs()",
      );
      equal(
        (await saver.runs({ limit: 2 })).map((r) => r.runId),
        ["run-4", "run-3"],
        "runs({ limit: 2 })",
      );
      equal(
        (await saver.runs({ status: "failed" })).map((r) => r.runId),
        ["run-2"],
        "runs({ status: 'failed' })",
      );
      equal(
        (await saver.runs({ status: ["completed", "running"] })).map((r) => r.runId),
        ["run-1", "run-0"],
        "two statuses",
      );
      equal(await saver.runs({ status: [] }), [], "runs({ status: [] })");
      equal(await saver.run("nobody"), undefined, "run() of an unknown run");
      const full: RunInfo = {
        ...info("fork", 2, "failed"),
        graph: '{"nodes":[]}',
        lastNode: "a/b",
        parentRunId: "run-0",
        parentSeq: 1,
        error: { name: "NodeError", message: "boom" },
      };
      const lease = await saver.acquire("fork", { ttlMs: 10_000 });
      await saver.append(lease, [record("fork", 1, "full"), record("fork", 2, "delta")], full);
      equal(await saver.run("fork"), full, "a registry row with every field");
      await saver.append(lease, [], { ...full, status: "canceled" });
      equal((await saver.run("fork"))?.status, "canceled", "a registry update without records");
      equal(seqs(await saver.list("fork")), [1, 2], "history after a registry-only append");
      await saver.release(lease);
    });

    test("events get seqs per run and page with after and limit", async (open) => {
      const saver = await open();
      for (let batch = 0; batch < 5; batch++) {
        const events = Array.from({ length: 5 }, (_, i) => ({
          at: new Date().toISOString(),
          type: i === 0 ? "nodeStart" : "nodeEnd",
          path: `n${batch * 5 + i}`,
          data: { i: batch * 5 + i, nested: [1, "two", null] },
        }));
        await saver.appendEvents("r", events);
      }
      await saver.appendEvents("other", [{ at: new Date().toISOString(), type: "error" }]);
      const all = await saver.events("r");
      equal(
        all.map((e) => e.seq),
        Array.from({ length: 25 }, (_, i) => i + 1),
        "seqs",
      );
      const page = await saver.events("r", { after: 10, limit: 5 });
      equal(
        page.map((e) => e.seq),
        [11, 12, 13, 14, 15],
        "events({ after: 10, limit: 5 })",
      );
      equal(page[0], { ...(all[10] as object) }, "a paged event equals the listed one");
      equal(page[0]?.data, { i: 10, nested: [1, "two", null] }, "event data");
      equal(page[0]?.runId, "r", "event runId");
      equal(
        (await saver.events("other")).map((e) => [e.seq, e.type, e.path]),
        [[1, "error", undefined]],
        "another run's events",
      );
      equal(await saver.events("r", { after: 25 }), [], "events after the last");
      equal(await saver.events("nobody"), [], "events of an unknown run");
    });

    test("prune keeps the newest keepFull full records and the chain the latest state needs", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      const kinds: CheckpointRecord["kind"][] = ["full", "delta", "delta", "full", "delta", "full", "delta", "delta"];
      for (const [i, kind] of kinds.entries()) await saver.append(lease, [record("r", i + 1, kind)], info("r", i + 1));
      await saver.prune("r", { keepFull: 2 });
      equal(seqs(await saver.list("r")), [4, 5, 6, 7, 8], "after prune({ keepFull: 2 })");
      await saver.prune("r", { keepFull: 1 });
      equal(seqs(await saver.list("r")), [6, 7, 8], "after prune({ keepFull: 1 })");
      equal(seqs(await saver.load("r")), [6, 7, 8], "the latest chain");
      await saver.prune("r", { keepFull: 0 });
      equal(seqs(await saver.list("r")), [6, 7, 8], "keepFull: 0 still keeps the latest chain");
      await saver.append(lease, [record("r", 9, "delta")], info("r", 9));
      equal(seqs(await saver.load("r")), [6, 7, 8, 9], "appending after a prune");
      await saver.release(lease);
    });

    test("delete forgets records, registry row, events and lease", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      await saver.append(lease, [record("r", 1, "full")], info("r", 1));
      await saver.appendEvents("r", [{ at: new Date().toISOString(), type: "nodeEnd" }]);
      await saver.delete("r");
      equal(await saver.list("r"), [], "list after delete");
      equal(await saver.load("r"), [], "load after delete");
      equal(await saver.run("r"), undefined, "run after delete");
      equal(await saver.events("r"), [], "events after delete");
      const fresh = await saver.acquire("r", { ttlMs: 10_000, create: true });
      await saver.append(fresh, [record("r", 1, "full")], info("r", 1));
      await saver.release(fresh);
      await saver.delete("never-existed");
    });

    test("list never parses bodies: a body that is not JSON lists, and loads back as it was", async (open) => {
      const saver = await open();
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      await saver.append(lease, [record("r", 1, "full", "{not json"), record("r", 2, "delta", "\u0000garbage")], info("r", 2));
      const rows: CheckpointInfo[] = await saver.list("r");
      equal(rows, [withoutBody(record("r", 1, "full")), withoutBody(record("r", 2, "delta"))], "list()");
      equal((await saver.load("r"))[1]?.body, "\u0000garbage", "the damaged body, loaded as is");
      await saver.release(lease);
    });

    test("records of one run never reach another, whatever its id", async (open) => {
      const saver = await open();
      const ids = ["a", "a/b", "../escape", "a b", "ünï", "x".repeat(150)];
      for (const id of ids) {
        const lease = await saver.acquire(id, { ttlMs: 10_000, create: true });
        await saver.append(lease, [record(id, 1, "full", JSON.stringify(id))], info(id, 1));
        await saver.release(lease);
      }
      for (const id of ids)
        equal(
          (await saver.load(id)).map((r) => r.body),
          [JSON.stringify(id)],
          `run ${JSON.stringify(id)}`,
        );
      equal((await saver.runs()).length, ids.length, "registry rows");
    });

    test("two instances appending concurrently under the lease keep one gapless history", async (open) => {
      const [a, b] = [await open(), await open()];
      const writer = async (saver: CheckpointSaver, count: number) => {
        for (let i = 0; i < count; i++) {
          const lease = await saver.acquire("shared", { ttlMs: 10_000, wait: 15_000 });
          const last = (await saver.list("shared")).at(-1)?.seq ?? 0;
          await saver.append(lease, [record("shared", last + 1, last % 4 === 0 ? "full" : "delta")], info("shared", last + 1));
          await saver.appendEvents("shared", [{ at: new Date().toISOString(), type: "checkpoint", data: last + 1 }]);
          await saver.release(lease);
        }
      };
      await Promise.all([writer(a, 15), writer(b, 15)]);
      equal(
        seqs(await a.list("shared")),
        Array.from({ length: 30 }, (_, i) => i + 1),
        "history",
      );
      equal(
        (await b.events("shared")).map((e) => e.seq),
        Array.from({ length: 30 }, (_, i) => i + 1),
        "event seqs",
      );
      equal((await b.run("shared"))?.steps, 30, "registry steps");
    });

    test("two owners racing on one seq: exactly one append lands", async (open) => {
      const [a, b] = [await open(), await open()];
      const first = await a.acquire("r", { ttlMs: 10_000 });
      await a.append(first, [record("r", 1, "full")], info("r", 1));
      await a.release(first);
      const results = await Promise.allSettled(
        [a, b].map(async (saver, i) => {
          const lease = await saver.acquire("r", { ttlMs: 10_000, wait: 5_000 });
          try {
            await saver.append(lease, [record("r", 2, "delta", `"writer ${i}"`)], info("r", 2));
          } finally {
            await saver.release(lease);
          }
        }),
      );
      equal(results.filter((r) => r.status === "fulfilled").length, 1, "appends that landed");
      const failed = results.find((r) => r.status === "rejected");
      check(failed !== undefined && hasName(failed.reason, "CheckpointConflictError"), `the loser's error: ${String(failed?.reason)}`);
      equal(seqs(await b.list("r")), [1, 2], "history");
    });
  });
}

type Open = () => Promise<CheckpointSaver>;

function record(runId: string, seq: number, kind: CheckpointRecord["kind"], body?: string): CheckpointRecord {
  return {
    runId,
    seq,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    status: "running",
    node: `node/${seq}`,
    kind,
    checksum: `c${seq}`,
    body: body ?? JSON.stringify({ seq, kind }),
  };
}

function withoutBody({ body: _body, ...rest }: CheckpointRecord): CheckpointInfo {
  return rest;
}

function info(runId: string, steps: number, status: RunStatus = "running"): RunInfo {
  return {
    runId,
    status,
    flow: "Flow",
    shape: "shape-1",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, steps)).toISOString(),
    steps,
    lastNode: `node/${steps}`,
  };
}

function seqs(rows: readonly { seq: number }[]): number[] {
  return rows.map((row) => row.seq);
}

/** A failed expectation of the contract. */
export class SaverContractError extends Error {
  override name = "SaverContractError";
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new SaverContractError(message);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new SaverContractError(`${what}: expected ${clip(e)}, got ${clip(a)}`);
}

/** JSON with sorted keys and undefined properties dropped: how records travel through any store. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
        : v,
    ) ?? "undefined"
  );
}

function clip(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text;
}

function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

async function rejects(promise: Promise<unknown>, name: string, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (hasName(error, name)) return;
    throw new SaverContractError(
      `${what}: expected ${name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  throw new SaverContractError(`${what}: expected ${name}, but it succeeded`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { spawn } from "node:child_process";
import { PostgresSaver, PostgresSaverConfigError, PostgresSchemaError, SCHEMA_VERSION } from "@flowlet/postgres";
import { startPostgres, type TestService } from "@flowlet/test-services";
import { CheckpointWriteError, Flow, Node, RunLockedError } from "flowlet";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestService;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

let schemas = 0;
const saverOn = (schema = `t_${++schemas}`) => new PostgresSaver({ connectionString: server.url, schema, max: 4 });

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("PostgresSaver", () => {
  it("migrates once on first use, even when many savers start together", async () => {
    const savers = Array.from({ length: 8 }, () => saverOn("together"));
    await Promise.all(savers.map((s) => s.runs()));
    const rows = await sql<{ version: number }>("SELECT version FROM together.flowlet_schema");
    expect(rows.map((r) => r.version)).toEqual([SCHEMA_VERSION]);
    await Promise.all(savers.map((s) => s.close()));
  });

  it("refuses a schema migrated by a newer version, and bad options, with typed errors", async () => {
    const saver = saverOn("future");
    await saver.runs();
    await sql(`INSERT INTO future.flowlet_schema (version) VALUES (${SCHEMA_VERSION + 1})`);
    const later = saverOn("future");
    await expect(later.runs()).rejects.toBeInstanceOf(PostgresSchemaError);
    await Promise.all([saver.close(), later.close()]);
    expect(() => new PostgresSaver({ connectionString: server.url, schema: "Robert'); DROP TABLE x;--" })).toThrow(
      PostgresSaverConfigError,
    );
    expect(() => new PostgresSaver({})).toThrow(PostgresSaverConfigError);
  });

  it("never puts the password of its connection string in its name or errors", () => {
    const saver = new PostgresSaver({ connectionString: "postgres://app:s3cret@db.internal:5433/runs" });
    expect(saver.name).toBe("PostgresSaver(db.internal:5433/runs)");
    void saver.close();
  });

  it("takes over at once the lease of an owner on this host whose process has died", async () => {
    const saver = saverOn();
    await saver.runs(); // migrated before the child races for it
    // A real second process takes the lease for a minute, then dies without releasing it.
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=@flowlet/source",
        "--input-type=module",
        "-e",
        `import { PostgresSaver } from "@flowlet/postgres";
         const s = new PostgresSaver({ connectionString: process.argv[1], schema: process.argv[2] });
         await s.acquire("orphan", { ttlMs: 60000 });
         console.log("held");
         setInterval(() => {}, 1000);`,
        server.url,
        `t_${schemas}`,
      ],
      { stdio: ["ignore", "pipe", "inherit"], cwd: import.meta.dirname },
    );
    await new Promise<void>((resolve) => child.stdout!.on("data", (d) => String(d).includes("held") && resolve()));
    await expect(saver.acquire("orphan", { ttlMs: 1000 })).rejects.toBeInstanceOf(RunLockedError);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const lease = await saver.acquire("orphan", { ttlMs: 1000 });
    expect(lease.runId).toBe("orphan");
    await saver.close();
  }, 30_000);

  it("runs and resumes a flow, and a lost server is a CheckpointWriteError that names the saver, not a crash", async () => {
    const own = await startPostgres();
    const saver = new PostgresSaver({ connectionString: own.url });
    class Count extends Node<{ n: number }> {
      override post(shared: { n: number }) {
        shared.n++;
      }
    }
    const first = new Count({ name: "a" });
    first.next(new Count({ name: "b" }));
    const flow = new Flow(first, { name: "count" });
    const done = await flow.run({ n: 0 }, { checkpoint: saver, runId: "r" });
    expect(done).toMatchObject({ status: "completed", shared: { n: 2 } });
    expect((await saver.run("r"))?.status).toBe("completed");
    expect((await saver.list("r")).map((c) => c.node)).toEqual(["count/a", "count/b", "count"]);
    await own.stop();
    const error = await flow.run({ n: 0 }, { checkpoint: saver, runId: "r2" }).catch((e: unknown) => e);
    expect(String(error)).not.toContain("at Object");
    expect(error).toBeInstanceOf(Error);
    // The first write that fails says which saver and table, and what to do.
    const direct = await saver
      .append({ runId: "x", token: "t", expiresAt: 0, ttlMs: 1 }, [], {
        runId: "x",
        status: "running",
        flow: "f",
        shape: "s",
        createdAt: "",
        updatedAt: "",
        steps: 0,
      })
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(CheckpointWriteError);
    expect((direct as Error).message).toContain("PostgresSaver(127.0.0.1");
    await saver.close();
  }, 60_000);
});

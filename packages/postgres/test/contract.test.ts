import { PostgresSaver } from "@flowlet/postgres";
import { startPostgres, type TestService } from "@flowlet/test-services";
import { describeSaver } from "flowlet/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";

let server: TestService;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

let fixtures = 0;
// Each test gets its own schema of one real server: the suite checks isolation by schema for free.
describeSaver(
  "PostgresSaver",
  () => {
    const schema = `contract_${++fixtures}`;
    const opened: PostgresSaver[] = [];
    return {
      open: () => {
        const saver = new PostgresSaver({ connectionString: server.url, schema, max: 4 });
        opened.push(saver);
        return saver;
      },
      close: async () => {
        await Promise.all(opened.map((s) => s.close()));
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  },
  { describe, it },
);

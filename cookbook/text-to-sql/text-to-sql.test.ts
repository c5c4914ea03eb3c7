import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import type Database from "better-sqlite3";
import { NodeError } from "flowlet";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openShop } from "./database.js";
import { createTextToSqlFlow } from "./flow.js";
import { SqlDebugLimitError, type SqlStore } from "./nodes.js";

let fake: FakeLLM;
let dir: string;
let db: Database.Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "text-to-sql-"));
  db = openShop(join(dir, "shop.db"));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("text-to-SQL", () => {
  it("builds the database from the seed on first run, read-only", () => {
    expect(db.prepare("SELECT count(*) AS n FROM customers").get()).toEqual({ n: 6 });
    expect(() => db.prepare("DELETE FROM customers").run()).toThrow(/readonly/);
  });

  it("answers from real rows, looping through the debug step when the SQL fails", async () => {
    fake.enqueue(
      "```sql\nSELECT name, total_spent FROM customers ORDER BY total_spent DESC LIMIT 1;\n```",
      [
        "SELECT c.name, SUM(p.price_cents * i.quantity) AS spent_cents",
        "FROM customers c JOIN orders o ON o.customer_id = c.id",
        "JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id",
        "WHERE o.status != 'cancelled' GROUP BY c.id ORDER BY spent_cents DESC LIMIT 1",
      ].join("\n"),
      "Grace Hopper spent the most: 655.00 euros.",
    );
    const shared: SqlStore = { question: "Which customer spent the most?", debugAttempts: 0 };
    await createTextToSqlFlow(createLLM(fake.config), db).run(shared);

    expect(shared.debugAttempts).toBe(1);
    expect(shared.result).toEqual({ columns: ["name", "spent_cents"], rows: [["Grace Hopper", 2 * 27900 + 3900 + 2 * 2900]] });
    expect(shared.answer).toBe("Grace Hopper spent the most: 655.00 euros.");
    // The model saw the real schema, then SQLite's own error in the debug step, then the real rows.
    expect(fake.requests[0]!.lastUserText).toContain("CREATE TABLE order_items");
    expect(fake.requests[1]!.lastUserText).toContain("no such column: total_spent");
    expect(fake.requests[2]!.lastUserText).toContain(`Grace Hopper | ${2 * 27900 + 3900 + 2 * 2900}`);
  });

  it("gives up with SqlDebugLimitError after the maximum of debug attempts", async () => {
    fake.enqueue("SELECT nope FROM customers", "SELECT still_nope FROM customers", "DROP TABLE customers");
    const shared: SqlStore = { question: "Anything?", debugAttempts: 0 };
    const run = createTextToSqlFlow(createLLM(fake.config), db, 2).run(shared);

    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    const cause = (error as NodeError).cause;
    expect(cause).toBeInstanceOf(SqlDebugLimitError);
    expect((cause as SqlDebugLimitError).attempts).toBe(2);
    // Writes never run: the last "fix" was refused, and the table is still there.
    expect((cause as SqlDebugLimitError).sqliteError).toMatch(/only a query that returns rows/i);
    expect(db.prepare("SELECT count(*) AS n FROM customers").get()).toEqual({ n: 6 });
    expect(fake.requests).toHaveLength(3);
  });
});

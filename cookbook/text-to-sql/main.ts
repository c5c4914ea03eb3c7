import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { openShop } from "./database.js";
import { createTextToSqlFlow } from "./flow.js";
import type { SqlStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/text-to-sql/main.ts "Which customer spent the most?"
runMain(async () => {
  const question = process.argv.slice(2).join(" ") || "Which three products sold the most units?";
  const db = openShop(process.env.SHOP_DB ?? fileURLToPath(new URL("./shop.db", import.meta.url)));
  try {
    const shared: SqlStore = { question, debugAttempts: 0 };
    await createTextToSqlFlow(createLLM(), db).run(shared);
    console.log(`SQL:\n${shared.sql}\n`);
    console.log(`Rows (${shared.result!.rows.length}):`);
    console.table(shared.result!.rows.map((row) => Object.fromEntries(shared.result!.columns.map((c, i) => [c, row[i]]))));
    console.log(`\n${shared.answer}`);
  } finally {
    db.close();
  }
});

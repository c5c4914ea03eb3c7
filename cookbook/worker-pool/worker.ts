// One worker of the pool. REDIS_URL and DATABASE_URL say where the queue and the checkpoints are;
// FLOWLET_LLM_* which model writes the summaries (see docs/llm.md).
import { startWorker } from "@flowlet/bullmq";
import { createLLM } from "@flowlet/llm";
import { PostgresSaver } from "@flowlet/postgres";
import { createSummaryFlow } from "./flow.js";

const saver = new PostgresSaver({ connectionString: process.env.DATABASE_URL ?? "postgres://localhost/postgres" });
const worker = startWorker({
  flows: { summarise: createSummaryFlow(createLLM()) },
  connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  saver,
  itemConcurrency: Number(process.env.ITEM_CONCURRENCY ?? 4),
});
await worker.ready();
console.log(`worker ${process.pid} ready`);
process.once("SIGTERM", async () => {
  await worker.close(); // finishes what it runs; a killed worker's jobs are resumed by the others
  await saver.close();
  process.exit(0);
});

// One worker process of the distributed benchmark: REDIS_URL, PG_URL, ITEM_CONCURRENCY.
import { startWorker } from "@flowlet/bullmq";
import { PostgresSaver } from "@flowlet/postgres";
import { batchFlow } from "./distributed-flow.js";

const saver = new PostgresSaver({ connectionString: process.env.PG_URL! });
const worker = startWorker({
  flows: { batch: batchFlow({ distributed: true }) },
  connection: process.env.REDIS_URL!,
  saver,
  queue: process.env.QUEUE!,
  concurrency: 1,
  itemConcurrency: Number(process.env.ITEM_CONCURRENCY),
});
await worker.ready();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await worker.close();
  await saver.close();
  process.exit(0);
});

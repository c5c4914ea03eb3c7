import { FlowQueue, startWorker } from "@flowlet/bullmq";
import { PostgresSaver } from "@flowlet/postgres";
import { startPostgres, startRedis } from "@flowlet/test-services";
import { allFlows } from "./fixtures/flows.js";

const [redis, pgs] = await Promise.all([startRedis(), startPostgres()]);
try {
  const saver = new PostgresSaver({ connectionString: pgs.url });
  const worker = startWorker({ flows: allFlows(), connection: redis.url, saver, leaseTtlMs: 4000, concurrency: 12 });
  await worker.ready();
  const queue = new FlowQueue({ connection: redis.url });
  const t = Date.now();
  const hs = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.enqueue("chain", { id: `x${i}`, n: 1, steps: [] }, { runId: `r${i}` })));
  const times: number[] = [];
  await Promise.all(hs.map((h) => h.result().then(() => times.push(Date.now() - t))));
  console.log("50 runs", Date.now() - t, times.sort((a, b) => a - b).filter((_, i) => i % 10 === 0));
  const evs = [];
  for await (const e of hs[49]!.events()) evs.push(`${Date.parse(e.at) - t} ${e.type} ${e.path ?? ""}`);
  console.log(evs.slice(0, 60).join("\n"));
  await worker.close();
  await queue.close();
  await saver.close();
} finally {
  await Promise.all([redis.stop(), pgs.stop()]);
}

import { FlowQueue, startWorker } from "@flowlet/bullmq";
import { PostgresSaver } from "@flowlet/postgres";
import { startPostgres, startRedis } from "@flowlet/test-services";
import { MemorySaver } from "flowlet";
import { allFlows, chainFlow } from "./fixtures/flows.js";

const [redis, pgs] = await Promise.all([startRedis(), startPostgres()]);
try {
  const saver = new PostgresSaver({ connectionString: pgs.url });
  const worker = startWorker({ flows: allFlows(), connection: redis.url, saver, leaseTtlMs: 4000 });
  await worker.ready();
  const queue = new FlowQueue({ connection: redis.url });
  let t = Date.now();
  const ref = await chainFlow().run({ id: "x", n: 1, steps: [] }, { checkpoint: new MemorySaver(), runId: "ref" });
  console.log("ref", Date.now() - t, JSON.stringify(ref.shared));
  t = Date.now();
  const h = await queue.enqueue("chain", { id: "x", n: 1, steps: [] }, { runId: "r1" });
  const out = await h.result();
  console.log("dist", Date.now() - t, JSON.stringify(out));
  const evs = [];
  for await (const e of h.events()) evs.push(e.type + (e.path ? `:${e.path}` : ""));
  console.log(evs.join(" "));
  console.log(await saver.run("r1"));
  // interrupt
  const a = await queue.enqueue("approve", { id: "a", n: 0, steps: [] }, { runId: "a1" });
  console.log(await a.result());
  const r = await queue.resume("a1", { resumeWith: "yes" });
  const r2 = await queue.resume("a1", { resumeWith: "no" }).catch((e) => e.message);
  console.log(await r.result(), r2);
  await worker.close();
  await queue.close();
  await saver.close();
} finally {
  await Promise.all([redis.stop(), pgs.stop()]);
}

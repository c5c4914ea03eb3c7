// A worker pool summarising many documents: starts 3 workers, enqueues one run, follows it, prints the digest.
//   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://localhost/postgres \
//     npx tsx --conditions=@flowlet/source cookbook/worker-pool/main.ts [folder]
// (Or two terminals: run worker.ts in as many as you like, and this script with WORKERS=0.)
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FlowQueue } from "@flowlet/bullmq";
import { runMain } from "../shared/cli.js";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import type { PoolStore } from "./flow.js";

const WORKERS = Number(process.env.WORKERS ?? 3);

function startWorker(): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("worker.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("ready") && resolve(child));
    child.once("exit", (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
  });
}

runMain(async () => {
  const documents = await readDocuments(process.argv[2] ?? RESUMES_FOLDER);
  const workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));
  const queue = new FlowQueue({ connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  try {
    const run = await queue.enqueue("summarise", { documents }, { runId: `summaries-${Date.now()}` });
    for await (const event of run.events()) {
      if (event.type === "nodeStart" || event.type === "nodeEnd") console.log(`${event.type} ${event.path} (worker ${event.worker})`);
    }
    const outcome = await run.result();
    if (outcome.status !== "completed") throw new Error(`the run ended ${outcome.status}`);
    const store = outcome.shared as unknown as PoolStore;
    const pids = new Set(store.summaries?.map((s) => s.worker));
    console.log(`\n${store.summaries?.length} documents summarised by ${pids.size} worker processes:\n${store.digest}`);
  } finally {
    await queue.close();
    await Promise.all(workers.map((w) => new Promise((r) => w.once("exit", r).kill("SIGTERM"))));
  }
});

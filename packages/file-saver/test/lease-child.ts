// A second process for FileSaver's lease tests. Modes:
//   hold <dir> <runId>            take the lease, print "held", wait to be killed
//   append <dir> <runId> <count>  append <count> records, each under a freshly acquired lease
//   acquire <dir> <runId>         try to take the lease; print the error's name, code and message as JSON
import { FileSaver } from "@flowlet/file-saver";
import { CheckpointWriteError } from "flowlet";

const [mode, dir, runId, count] = process.argv.slice(2) as [string, string, string, string?];
const saver = new FileSaver(dir, { fsync: false });
if (mode === "hold") {
  await saver.acquire(runId, { ttlMs: 600_000 });
  process.stdout.write("held\n");
  setInterval(() => {}, 1000);
} else if (mode === "acquire") {
  try {
    await saver.acquire(runId, { ttlMs: 1000 });
    process.stdout.write(`${JSON.stringify({ name: "none" })}\nreported\n`);
  } catch (error) {
    const e = error as Error;
    const code = e instanceof CheckpointWriteError ? e.code : undefined;
    process.stdout.write(`${JSON.stringify({ name: e.name, code, message: e.message })}\nreported\n`);
  }
} else {
  for (let i = 0; i < Number(count); i++) {
    const lease = await saver.acquire(runId, { ttlMs: 10_000, wait: 60_000 });
    const seq = ((await saver.list(runId)).at(-1)?.seq ?? 0) + 1;
    const at = new Date().toISOString();
    const record = {
      runId,
      seq,
      at,
      status: "running" as const,
      node: `pid ${process.pid}`,
      kind: "full" as const,
      checksum: "-",
      body: "{}",
    };
    await saver.append(lease, [record], { runId, status: "running", flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: seq });
    await saver.appendEvents(runId, [{ at, type: "checkpoint", data: { pid: process.pid, seq } }]);
    await saver.release(lease);
  }
  process.stdout.write("done\n");
}

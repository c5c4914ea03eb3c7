// A second process for SqliteSaver's tests. Modes:
//   hold <file> <runId>            take the lease, print "held", wait to be killed
//   append <file> <runId> <count>  append <count> records, each under a freshly acquired lease
import { SqliteSaver } from "@flowlet/sqlite";

const [mode, file, runId, count] = process.argv.slice(2) as [string, string, string, string?];
const saver = new SqliteSaver(file);
if (mode === "hold") {
  await saver.acquire(runId, { ttlMs: 600_000 });
  process.stdout.write("held\n");
  setInterval(() => {}, 1000);
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
  saver.close();
  process.stdout.write("done\n");
}

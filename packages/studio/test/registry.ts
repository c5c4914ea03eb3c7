import { type CheckpointSaver, type RunStatus, checksumOf } from "flowlet";

const STATUSES: RunStatus[] = ["completed", "completed", "failed", "interrupted", "running"];

/**
 * Fills `saver` with `runs` runs of one step and `eventsPerRun` events each, through the saver's
 * public API (acquire, append, appendEvents): a registry as large as a busy team's.
 */
export async function fillRegistry(saver: CheckpointSaver, runs: number, eventsPerRun: number): Promise<void> {
  const start = Date.parse("2026-01-01T00:00:00Z");
  const body = JSON.stringify({ filler: true });
  const checksum = await checksumOf(body);
  for (let i = 0; i < runs; i++) {
    const runId = `bulk-${String(i).padStart(5, "0")}`;
    const at = new Date(start + i * 1000).toISOString();
    const status = STATUSES[i % STATUSES.length]!;
    const lease = await saver.acquire(runId, { ttlMs: 10_000, create: true });
    const record = { runId, seq: 1, at, status, node: "Bulk/Step", kind: "full" as const, checksum, body };
    await saver.append(lease, [record], {
      runId,
      status,
      flow: "Bulk",
      shape: "bulk",
      createdAt: at,
      updatedAt: at,
      steps: 1,
      lastNode: "Bulk/Step",
    });
    await saver.release(lease);
    const events = Array.from({ length: eventsPerRun }, (_, k) => ({
      at,
      type: k % 2 ? "nodeEnd" : "nodeStart",
      path: "Bulk/Step",
      data: { k },
    }));
    await saver.appendEvents(runId, events);
  }
}

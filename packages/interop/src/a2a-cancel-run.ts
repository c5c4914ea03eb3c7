import type { CheckpointSaver } from "flowlet";

/** A cancel holds the run's lease this long at most, and waits this long for another writer. */
const LEASE_MS = 10_000;
const WAIT_MS = 5_000;

/**
 * Marks a parked (interrupted) run canceled in the saver's registry, as the core marks a run it
 * aborts: the registry row says `canceled` and why, and the event log gets an `error` event. The
 * records stay. Nothing happens to a run that is not parked (or not there).
 */
export async function cancelParkedRun(saver: CheckpointSaver, runId: string, reason: Error): Promise<void> {
  if ((await saver.run(runId))?.status !== "interrupted") return;
  const lease = await saver.acquire(runId, { ttlMs: LEASE_MS, wait: WAIT_MS });
  try {
    const info = await saver.run(runId); // read again under the lease: a resume may have won the race
    if (info?.status !== "interrupted") return;
    const error = { name: reason.name, message: reason.message };
    await saver.append(lease, [], { ...info, status: "canceled", updatedAt: new Date().toISOString(), error });
    await saver.appendEvents(runId, [{ at: new Date().toISOString(), type: "error", data: { status: "canceled", ...error } }]);
  } finally {
    await saver.release(lease);
  }
}

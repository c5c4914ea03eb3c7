import {
  type Checkpoint,
  CheckpointCorruptError,
  type CheckpointInfo as V1Info,
  type CheckpointSaver as V1Saver,
  parseCheckpoint,
} from "./checkpoint.js";
import { checksumOf } from "./checksum.js";
import type { CheckpointRecord, CheckpointSaver, RunInfo } from "./saver.js";

/** Told about each damaged checkpoint skipped while loading. */
export type CorruptHandler = (error: CheckpointCorruptError) => void;

const warn: CorruptHandler = (error) => console.warn(`flowlet: ${error.message}`);

/**
 * @internal Bridges the engine's whole-checkpoint saves onto a Saver v2: each checkpoint is one full
 * record, checksummed; loads verify the checksum and fall back to the checkpoint before a damaged one.
 */
export function legacySaver(saver: CheckpointSaver, onCorrupt: CorruptHandler = warn): V1Saver {
  return {
    async save(checkpoint) {
      const body = JSON.stringify(checkpoint);
      const record: CheckpointRecord = {
        runId: checkpoint.runId,
        seq: checkpoint.seq,
        at: checkpoint.at,
        status: checkpoint.status,
        node: checkpoint.node,
        kind: "full",
        checksum: await checksumOf(body),
        body,
      };
      const lease = await saver.acquire(checkpoint.runId, { ttlMs: 30_000, wait: 30_000 });
      try {
        const createdAt = (await saver.run(checkpoint.runId))?.createdAt ?? checkpoint.at;
        const row: RunInfo = {
          runId: checkpoint.runId,
          status: checkpoint.status,
          flow: "",
          shape: checkpoint.shape,
          createdAt,
          updatedAt: checkpoint.at,
          steps: checkpoint.seq,
          lastNode: checkpoint.node,
        };
        if (checkpoint.parent !== undefined) row.parentSeq = checkpoint.parent;
        await saver.append(lease, [record], row);
      } finally {
        await saver.release(lease);
      }
    },
    async load(runId, seq) {
      if (seq !== undefined) {
        const record = (await saver.load(runId, { seq })).at(-1);
        return record && (await read(saver, record));
      }
      const rows = await saver.list(runId);
      for (const row of [...rows].reverse()) {
        const record = (await saver.load(runId, { seq: row.seq })).at(-1);
        if (!record) continue;
        try {
          return await read(saver, record);
        } catch (error) {
          if (!(error instanceof CheckpointCorruptError)) throw error;
          onCorrupt(new CheckpointCorruptError(`${error.message} Skipping it for the checkpoint before it.`));
        }
      }
      if (rows.length > 0) {
        throw new CheckpointCorruptError(
          `All ${rows.length} checkpoints of run "${runId}" in ${saver.name} are damaged, so it cannot be resumed. Delete the run to start it afresh.`,
        );
      }
      return undefined;
    },
    async list(runId): Promise<V1Info[]> {
      return (await saver.list(runId)).map(({ runId, seq, at, status, node }) => ({ runId, seq, at, status: status as Checkpoint["status"], node }));
    },
    async delete(runId) {
      await saver.delete(runId);
    },
  };
}

async function read(saver: CheckpointSaver, record: CheckpointRecord): Promise<Checkpoint> {
  const where = `${record.runId}#${record.seq} in ${saver.name}`;
  if ((await checksumOf(record.body)) !== record.checksum) {
    throw new CheckpointCorruptError(`Checkpoint ${where} fails its checksum: it was cut short or changed after it was written.`);
  }
  return parseCheckpoint(record.body, where);
}

/**
 * Reads a run's checkpoint as the engine would resume it: the latest good one (damaged ones are
 * reported to `onCorrupt` and skipped), or step `seq`. Undefined if the run has none.
 */
export function readCheckpoint(
  saver: CheckpointSaver,
  runId: string,
  options: { seq?: number; onCorrupt?: CorruptHandler } = {},
): Promise<Checkpoint | undefined> {
  return legacySaver(saver, options.onCorrupt).load(runId, options.seq);
}

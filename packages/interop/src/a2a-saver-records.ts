import { type CheckpointSaver, type RunInfo, checksumOf } from "flowlet";
import type { TaskRecords } from "./a2a-durable-store.js";
import { TaskRecordError } from "./errors.js";

/** Marks our runs in the saver's registry, so `keys` tells them from the flows' runs. */
const SHAPE = "flowlet/a2a-task-record";
const FLOW = "@flowlet/interop task";
const PREFIX = "a2a-task-";
/** A write holds the task's lease this long at most; a crashed writer's lease is taken over after it (or at once, same host). */
const LEASE_MS = 10_000;
/** How long a write waits for another process writing the same task. */
const WAIT_MS = 5_000;

/**
 * {@link TaskRecords} on a flowlet checkpoint saver (`FileSaver`, `SqliteSaver`, or any other):
 * each task is its own run, `a2a-task-<key>`, whose latest record is the task. A write takes the
 * run's lease, appends a full record and prunes the older ones, so a task keeps one record however
 * often it changes. The keys come from the saver's run registry. The same saver can hold the
 * flows' checkpoints too: the run ids do not meet, and the registry rows carry their own shape.
 *
 * `MemorySaver` works but is not durable: use the default in-memory task store instead.
 */
export function checkpointTaskRecords(saver: CheckpointSaver): TaskRecords {
  const serial = keyed();
  return {
    async read(key) {
      const runId = runOf(key);
      const record = (await saver.load(runId)).at(-1);
      if (!record) return undefined;
      if ((await checksumOf(record.body)) !== record.checksum) {
        throw new TaskRecordError(
          `The task record in run "${runId}" of ${saver.name} fails its checksum: it was cut short or changed. Delete that run, or restore it from a backup.`,
        );
      }
      const text = (parse(record.body) as { text?: unknown } | undefined)?.text;
      if (typeof text !== "string") {
        throw new TaskRecordError(`Run "${runId}" of ${saver.name} holds no task record: delete that run, or restore it from a backup.`);
      }
      return text;
    },
    write: (key, text) =>
      serial(key, async () => {
        const runId = runOf(key);
        const lease = await saver.acquire(runId, { ttlMs: LEASE_MS, wait: WAIT_MS });
        try {
          const before = await saver.run(runId);
          const seq = (before?.steps ?? 0) + 1;
          const at = new Date().toISOString();
          const body = JSON.stringify({ text });
          const run: RunInfo = {
            runId,
            status: "completed",
            flow: FLOW,
            shape: SHAPE,
            createdAt: before?.createdAt ?? at,
            updatedAt: at,
            steps: seq,
          };
          await saver.append(
            lease,
            [{ runId, seq, at, status: "completed", node: "", kind: "full", checksum: await checksumOf(body), body }],
            run,
          );
          if (seq > 1) await saver.prune(runId, { keepFull: 1 });
        } finally {
          await saver.release(lease);
        }
      }),
    remove: (key) => serial(key, () => saver.delete(runOf(key))),
    async keys() {
      const keys: string[] = [];
      for (const run of await saver.runs()) {
        if (run.shape === SHAPE && run.runId.startsWith(PREFIX))
          keys.push(Buffer.from(run.runId.slice(PREFIX.length), "base64url").toString());
      }
      return keys;
    },
  };
}

/** A run id any saver can store (FileSaver makes it a directory name): the key, base64url. */
function runOf(key: string): string {
  return `${PREFIX}${Buffer.from(key).toString("base64url")}`;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Runs the work for one key after the previous work for that key: a lease is refused to a second owner in the same process. */
function keyed(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const chains = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const next = (chains.get(key) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => {});
    chains.set(key, settled);
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return next;
  };
}

import type { Checkpoint, CheckpointSaver } from "flowlet";
import type { TaskRecords } from "./a2a-durable-store.js";

/** The pseudo-run that lists every task key: savers of this generation cannot enumerate runs. */
const INDEX_RUN = "a2a-tasks-index";
const SHAPE = "flowlet/a2a-task-record";

/**
 * {@link TaskRecords} on a flowlet checkpoint saver (`FileSaver`, `SqliteSaver`, or any other):
 * each task is one checkpoint of its own run, `a2a-task-<key>`, rewritten in place (seq 1), and one
 * more run keeps the list of keys. The same saver can hold the flows' checkpoints too: the run ids
 * do not meet. `MemorySaver` works but keeps every write (and is not durable): use the default
 * in-memory task store instead.
 *
 * Written against today's saver interface (save / load / delete); a saver that can list its runs
 * would make the index run unnecessary.
 */
export function checkpointTaskRecords(saver: CheckpointSaver): TaskRecords {
  let keys: Set<string> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  /** Index changes, one at a time and in order: the index is rewritten whole. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => {});
    return next;
  };
  const loadKeys = async (): Promise<Set<string>> => {
    if (!keys) {
      const stored = (await saver.load(INDEX_RUN))?.shared;
      keys = new Set(Array.isArray(stored) ? stored.filter((k): k is string => typeof k === "string") : []);
    }
    return keys;
  };
  const saveKeys = (all: Set<string>) => saver.save(record(INDEX_RUN, [...all]));
  return {
    async read(key) {
      const shared = (await saver.load(runOf(key)))?.shared as { text?: unknown } | undefined;
      return typeof shared?.text === "string" ? shared.text : undefined;
    },
    async write(key, text) {
      await saver.save(record(runOf(key), { text }));
      await serial(async () => {
        const all = await loadKeys();
        if (all.has(key)) return;
        all.add(key);
        await saveKeys(all);
      });
    },
    async remove(key) {
      await serial(async () => {
        const all = await loadKeys();
        if (all.delete(key)) await saveKeys(all);
      });
      await saver.delete(runOf(key));
    },
    keys: () => serial(async () => [...(await loadKeys())]),
  };
}

/** A run id any saver can store (FileSaver makes it a directory name): the key, base64url. */
function runOf(key: string): string {
  return `a2a-task-${Buffer.from(key).toString("base64url")}`;
}

function record(runId: string, shared: Checkpoint["shared"]): Checkpoint {
  return {
    version: 1,
    runId,
    seq: 1,
    at: new Date().toISOString(),
    status: "completed",
    shape: SHAPE,
    node: "",
    shared,
    sharedKind: "object",
    params: {},
    frames: {},
    answers: {},
  };
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { SqliteSaver } from "@flowlet/sqlite";
import { Flow, type CheckpointSaver, Node, type NodeContext, checksumOf } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { DurableTaskStore, TaskRecordError, checkpointTaskRecords, serveA2A } from "../src/index.js";
import { TaskState, artifactText, asTask, connect, request, statusText } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };
class Echo extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `echo: ${shared.input}`;
  }
}
class Confirm extends Node<Shared, string, string> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override exec(input: string, ctx: NodeContext) {
    return `${input}: ${ctx.interrupt<string>(`Ship "${input}"?`)}`;
  }
  override post(shared: Shared, _: string, output: string) {
    shared.output = output;
  }
}

const dirs: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function scratch() {
  const dir = await mkdtemp(join(tmpdir(), "flowlet-a2a-tasks-"));
  dirs.push(dir);
  return dir;
}

const card = { name: "Durable", description: "Keeps its tasks" };
const savers: [string, (dir: string) => CheckpointSaver][] = [
  ["FileSaver", (dir) => new FileSaver(join(dir, "runs"), { fsync: false })],
  ["SqliteSaver", (dir) => new SqliteSaver(join(dir, "runs.db"))],
];

describe.each(savers)("DurableTaskStore on %s", (_name, makeSaver) => {
  it("tasks survive a restart of the server: GetTask and ListTasks find them", async () => {
    const dir = await scratch();
    const first = await serveA2A(new Flow(new Echo()), { card, taskStore: new DurableTaskStore(checkpointTaskRecords(makeSaver(dir))) });
    const client = await connect(first.url);
    const ids = [];
    for (const text of ["one", "two", "three"]) ids.push(asTask(await client.sendMessage(request(text))).id);
    await first.close();

    const second = await serveA2A(new Flow(new Echo()), { card, taskStore: new DurableTaskStore(checkpointTaskRecords(makeSaver(dir))) });
    try {
      const again = await connect(second.url);
      const got = await again.getTask({ tenant: "", id: ids[1] as string, historyLength: undefined });
      expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(artifactText(got)).toBe("echo: two");
      expect(got.history[0]?.parts[0]?.content).toEqual({ $case: "text", value: "two" });
      const { tasks, totalSize } = await again.listTasks({
        tenant: "",
        contextId: "",
        status: 0,
        pageToken: "",
        statusTimestampAfter: undefined,
      });
      expect(totalSize).toBe(3);
      expect(tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
    } finally {
      await second.close();
    }
  });

  it("with the same saver as checkpoint, a task parked in input-required resumes after a restart", async () => {
    const dir = await scratch();
    const saver = makeSaver(dir);
    const first = await serveA2A(new Flow(new Confirm()), {
      card,
      checkpoint: saver,
      taskStore: new DurableTaskStore(checkpointTaskRecords(saver)),
    });
    const asked = asTask(await (await connect(first.url)).sendMessage(request("v9")));
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(statusText(asked)).toBe('Ship "v9"?');
    await first.close();

    const saver2 = makeSaver(dir);
    let other: { id: string } | undefined;
    const second = await serveA2A(new Flow(new Confirm()), {
      card,
      checkpoint: saver2,
      taskStore: new DurableTaskStore(checkpointTaskRecords(saver2)),
    });
    try {
      const answered = asTask(
        await (await connect(second.url)).sendMessage(request("yes", { taskId: asked.id, contextId: asked.contextId })),
      );
      expect(answered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(artifactText(answered)).toBe("v9: yes");
      other = asTask(await (await connect(second.url)).sendMessage(request("v10")));
    } finally {
      await second.close();
    }
    // Another task parked before a restart can be canceled after it.
    const saver3 = makeSaver(dir);
    const third = await serveA2A(new Flow(new Confirm()), {
      card,
      checkpoint: saver3,
      taskStore: new DurableTaskStore(checkpointTaskRecords(saver3)),
    });
    closers.push(() => third.close());
    const canceled = await (await connect(third.url)).cancelTask({ tenant: "", id: other?.id ?? "", metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    // Its flow run is no longer parked: the registry says canceled, as for a run the core aborts.
    expect(await saver3.run(other?.id ?? "")).toMatchObject({ status: "canceled", error: { name: "TaskCanceled" } });
    expect((await saver3.events(other?.id ?? "")).at(-1)).toMatchObject({ type: "error", data: { status: "canceled" } });
  });

  it("is bounded like the default: past maxTasks the oldest record is removed", async () => {
    const dir = await scratch();
    const store = new DurableTaskStore(checkpointTaskRecords(makeSaver(dir)), { maxTasks: 2 });
    const server = await serveA2A(new Flow(new Echo()), { card, taskStore: store });
    try {
      const client = await connect(server.url);
      const ids = [];
      for (const text of ["a", "b", "c"]) ids.push(asTask(await client.sendMessage(request(text))).id);
      await expect(client.getTask({ tenant: "", id: ids[0] as string, historyLength: undefined })).rejects.toThrow(/not found/i);
      const reopened = new DurableTaskStore(checkpointTaskRecords(makeSaver(dir)));
      const { totalSize } = await reopened.list(
        { tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined },
        new (await import("@a2a-js/sdk/server")).ServerCallContext(),
      );
      expect(totalSize).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("keeps one record per task however often it changes, and lists only its own runs of a shared saver", async () => {
    const dir = await scratch();
    const saver = makeSaver(dir);
    const records = checkpointTaskRecords(saver);
    for (let i = 0; i < 5; i++) await records.write("\u0000t1", `{"n":${i}}`);
    await records.write("tenant\u0000t2", "{}");
    expect(await records.read("\u0000t1")).toBe('{"n":4}');
    const [task] = (await saver.runs()).filter((run) => run.steps === 5);
    expect(task?.shape).toBe("flowlet/a2a-task-record");
    expect((await saver.list(task?.runId ?? "")).map((row) => row.seq)).toEqual([5]);
    // A flow's run in the same saver is not a task.
    const server = await serveA2A(new Flow(new Confirm()), { card, checkpoint: saver, taskStore: new DurableTaskStore(records) });
    try {
      const parked = asTask(await (await connect(server.url)).sendMessage(request("v1")));
      expect((await saver.run(parked.id))?.status).toBe("interrupted");
    } finally {
      await server.close();
    }
    expect(await checkpointTaskRecords(makeSaver(dir)).keys()).toHaveLength(3);
    expect(await checkpointTaskRecords(makeSaver(dir)).keys()).toEqual(expect.arrayContaining(["\u0000t1", "tenant\u0000t2"]));
    await records.remove("\u0000t1");
    expect(await records.read("\u0000t1")).toBeUndefined();
    expect(await records.keys()).not.toContain("\u0000t1");
  });

  it("two stores on one saver's storage write the same task in turn, through its lease", async () => {
    const dir = await scratch();
    const a = checkpointTaskRecords(makeSaver(dir));
    const b = checkpointTaskRecords(makeSaver(dir));
    const writes = [];
    for (let i = 0; i < 10; i++) writes.push((i % 2 ? a : b).write("\u0000shared", `{"n":${i}}`));
    await Promise.all(writes);
    expect(JSON.parse((await a.read("\u0000shared")) ?? "")).toHaveProperty("n");
    expect(await b.keys()).toEqual(["\u0000shared"]);
  });

  it("a record that fails its checksum is a TaskRecordError naming its run, and is skipped when the index is rebuilt", async () => {
    const dir = await scratch();
    const saver = makeSaver(dir);
    const records = checkpointTaskRecords(saver);
    await records.write("\u0000good", JSON.stringify({ v: 1, touched: Date.now(), task: {} }));
    await records.write("\u0000bad", "{}");
    const runId =
      (await saver.runs()).find((run) => run.steps === 1 && run.runId.endsWith(Buffer.from("\u0000bad").toString("base64url")))?.runId ??
      "";
    const lease = await saver.acquire(runId, { ttlMs: 1000 });
    const at = new Date().toISOString();
    const run = {
      runId,
      status: "completed" as const,
      flow: "x",
      shape: "flowlet/a2a-task-record",
      createdAt: at,
      updatedAt: at,
      steps: 2,
    };
    const body = JSON.stringify({ text: "{}" });
    await saver.append(
      lease,
      [{ runId, seq: 2, at, status: "completed", node: "", kind: "full", checksum: await checksumOf(`${body} `), body }],
      run,
    );
    await saver.release(lease);
    await expect(records.read("\u0000bad")).rejects.toThrow(TaskRecordError);
    await expect(records.read("\u0000bad")).rejects.toThrow(
      `run "${runId}" of ${saver.name} fails its checksum: it was cut short or changed. Delete that run`,
    );
    const store = new DurableTaskStore(checkpointTaskRecords(makeSaver(dir)));
    const { ServerCallContext } = await import("@a2a-js/sdk/server");
    expect(
      (await store.list({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined }, new ServerCallContext()))
        .totalSize,
    ).toBe(1);
  });
});

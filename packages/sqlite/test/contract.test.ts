import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@flowlet/sqlite";
import { CheckpointWriteError, RunLockedError } from "flowlet";
import { describeSaver } from "flowlet/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

describeSaver(
  "SqliteSaver",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "flowlet-sqlite-contract-"));
    const opened: SqliteSaver[] = [];
    return {
      open: () => {
        const saver = new SqliteSaver(join(dir, "runs.db"));
        opened.push(saver);
        return saver;
      },
      close: () => {
        for (const saver of opened) saver.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { describe, it },
);

const child = join(import.meta.dirname, "lease-child.ts");
function startChild(args: string[], until: string): { proc: ChildProcess; ready: Promise<void>; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", child, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr?.on("data", (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(`${until}\n`)) resolve();
    });
    void exit.then((code) => reject(new Error(`lease-child exited with ${code} before "${until}": ${err}`)));
  });
  return { proc, ready, exit };
}

function mountTmpfs(at: string, options: string): void {
  mkdirSync(at, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", at], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      `This test mounts a small tmpfs to hit a real full disk, which needs root (CI runs as root): ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    );
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flowlet-sqlite-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteSaver across processes", () => {
  it("a live owner in another process locks the run; once it is killed, its lease is taken over at once", async () => {
    const file = join(dir, "runs.db");
    const holder = startChild(["hold", file, "r"], "held");
    await holder.ready;
    const saver = new SqliteSaver(file);
    await expect(saver.acquire("r", { ttlMs: 10_000 })).rejects.toBeInstanceOf(RunLockedError);
    holder.proc.kill("SIGKILL");
    await holder.exit;
    const lease = await saver.acquire("r", { ttlMs: 10_000 });
    await saver.release(lease);
    saver.close();
  });

  it("two processes appending to one run keep one gapless history and event log", async () => {
    const file = join(dir, "runs.db");
    new SqliteSaver(file).close();
    const writers = [startChild(["append", file, "r", "20"], "done"), startChild(["append", file, "r", "20"], "done")];
    await Promise.all(writers.map((w) => w.ready));
    const saver = new SqliteSaver(file);
    const rows = await saver.list("r");
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.node)).size).toBe(2);
    expect((await saver.events("r")).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    saver.close();
  }, 60_000);
});

describe("SqliteSaver write failures are typed", () => {
  it("a full disk (a real 512 KB tmpfs) gives CheckpointWriteError naming saver and path, and prints nothing", async () => {
    const spies = [vi.spyOn(console, "warn"), vi.spyOn(console, "error"), vi.spyOn(console, "log")];
    const disk = join(dir, "small");
    mountTmpfs(disk, "size=512k");
    try {
      const file = join(disk, "runs.db");
      const saver = new SqliteSaver(file);
      const lease = await saver.acquire("r", { ttlMs: 10_000 });
      const at = new Date().toISOString();
      const record = {
        runId: "r",
        seq: 1,
        at,
        status: "running" as const,
        node: "n",
        kind: "full" as const,
        checksum: "x",
        body: "x".repeat(1_000_000),
      };
      const info = { runId: "r", status: "running" as const, flow: "F", shape: "s", createdAt: at, updatedAt: at, steps: 1 };
      const error = await saver.append(lease, [record], info).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointWriteError);
      expect(error).toMatchObject({ code: "SQLITE_FULL", saver: `SqliteSaver(${file})`, path: file, runId: "r" });
      expect((error as Error).message).toMatch(/cannot write .*runs\.db: the disk is full\. Free space, then resume run "r"/);
      expect(await saver.list("r")).toEqual([]);
      saver.close();
    } finally {
      execFileSync("umount", ["-l", disk]);
    }
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it("a database on a read-only file system gives CheckpointWriteError", () => {
    const disk = join(dir, "ro");
    mountTmpfs(disk, "size=64k,ro");
    try {
      expect(() => new SqliteSaver(join(disk, "runs.db"))).toThrow(CheckpointWriteError);
      expect(() => new SqliteSaver(join(disk, "runs.db"))).toThrow(/SqliteSaver\(.*runs\.db\) cannot write/);
    } finally {
      execFileSync("umount", ["-l", disk]);
    }
  });
});

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const script = join(import.meta.dirname, "fixtures", "worker.ts");

export interface WorkerProcess {
  proc: ChildProcess;
  pid: number;
  ready: Promise<void>;
  exited: Promise<void>;
}

/** A real worker process (tsx, workspace sources), ready once it listens for jobs. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) resolve();
    });
    proc.on("exit", (code, signal) => reject(new Error(`worker exited early (${code ?? signal}): ${err.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return { proc, pid: proc.pid!, ready, exited };
}

export async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.proc.exitCode !== null || worker.proc.signalCode !== null) return;
  worker.proc.kill("SIGTERM");
  const timer = setTimeout(() => worker.proc.kill("SIGKILL"), 10_000);
  await worker.exited;
  clearTimeout(timer);
}

export interface Execution {
  run: string;
  label: string;
  pid: number;
  at: number;
}

export function executions(file: string): Execution[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [run, label, pid, at] = line.split(" ");
      return { run: run!, label: label!, pid: Number(pid), at: Number(at) };
    });
}

export function groupBy<T, K>(list: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of list) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

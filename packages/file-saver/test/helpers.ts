import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const leaseChild = join(import.meta.dirname, "lease-child.ts");

/** Starts lease-child.ts in a new Node process; resolves once it printed `until`. */
export function startChild(args: string[], until: string): { proc: ChildProcess; ready: Promise<void>; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", leaseChild, ...args], {
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

/**
 * Mounts a tmpfs of `size` at a new directory under `parent` (needs root, as in CI). Real ENOSPC and
 * EROFS need a real small or read-only file system; there is no stand-in.
 */
export function mountTmpfs(parent: string, name: string, options: string): string {
  const at = join(parent, name);
  mkdirSync(at, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", at], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      `These tests mount a small tmpfs to hit real ENOSPC/EROFS, which needs root (CI runs as root): run them as root. mount said: ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    );
  }
  return at;
}

export function unmount(at: string): void {
  execFileSync("umount", ["-l", at], { stdio: "pipe" });
}

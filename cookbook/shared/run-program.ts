import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Test helper: a cookbook program running as a real child process with piped stdio. */
export interface Program {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the program printed so far (stdout). */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once stdout, from `from` on, contains `text`; rejects if the program exits first. */
  waitFor(text: string, from?: number): Promise<void>;
  /** Writes one line to the program's stdin. */
  send(line: string): void;
  /** Resolves to the exit code once the program ends. */
  readonly exited: Promise<number | null>;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Spawns `node --import tsx --conditions=@flowlet/source <script> [...args]` from the repository root. */
export function runProgram(script: string, env: Record<string, string>, args: string[] = []): Program {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", script, ...args], {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    waitFor(text, from = 0) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!out.includes(text, from)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
        void exited.then(() => {
          if (waiters.delete(check))
            reject(new Error(`Program exited before printing ${JSON.stringify(text)}.\nstdout:\n${out}\nstderr:\n${err}`));
        });
      });
    },
  };
}

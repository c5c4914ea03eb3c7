import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");

/** `flowlet-studio` as a real child process, run from source; resolves once it prints its address. */
export async function spawnStudio(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; output: () => string; stop(): Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@flowlet/source", join(here, "..", "src", "cli.ts"), ...args],
    { cwd: root, env: { ...process.env, ...env } },
  );
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      out += chunk;
      const found = /Flowlet Studio: (http:\/\/\S+)\n.*Ctrl-C to stop/.exec(out);
      if (found?.[1]) resolve(found[1]);
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.once("exit", (code) => reject(new Error(`flowlet-studio exited with ${code} before listening:\n${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

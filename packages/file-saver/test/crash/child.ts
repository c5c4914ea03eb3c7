// Runs (or resumes) the crash flow with the file saver until it is killed or completes. A resume
// that finds the run owned by another live process prints "locked" and exits.
import { appendFileSync } from "node:fs";
import { FileSaver } from "@flowlet/file-saver";
import { RunLockedError } from "flowlet";
import { buildCrashFlow } from "./flow.js";

const [dir, runId, mode, log, seed] = process.argv.slice(2) as [string, string, string, string, string];
const flow = buildCrashFlow((label) => appendFileSync(log, `${label}\n`), Number(seed));
const checkpoint = new FileSaver(dir);
process.stdout.write("ready\n");
try {
  const result =
    mode === "run"
      ? await flow.run({ done: [], total: 0 }, { checkpoint, runId })
      : await flow.resume(runId, { checkpoint, onCorrupt: () => {} });
  process.stdout.write(`result ${JSON.stringify(result.shared)}\n`);
} catch (error) {
  if (!(error instanceof RunLockedError)) throw error;
  process.stdout.write("locked\n");
}

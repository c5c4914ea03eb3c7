// Runs (or resumes) the crash flow with the file saver until it is killed or completes.
import { appendFileSync } from "node:fs";
import { FileSaver } from "@flowlet/file-saver";
import { buildCrashFlow } from "./flow.js";

const [dir, runId, mode, log] = process.argv.slice(2) as [string, string, string, string];
const flow = buildCrashFlow((label) => appendFileSync(log, `${label}\n`));
const checkpoint = new FileSaver(dir);
process.stdout.write("ready\n");
const result =
  mode === "run" ? await flow.run({ done: [], total: 0 }, { checkpoint, runId }) : await flow.resume(runId, { checkpoint });
process.stdout.write(`result ${JSON.stringify(result.shared)}\n`);

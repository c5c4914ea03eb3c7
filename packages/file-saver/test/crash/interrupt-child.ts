// Runs, resumes, or answers (resumes with resumeWith) the interrupt crash flow with the file or the
// SQLite saver, until it is killed, completes or pauses. Prints one of:
//   "result <shared>"  the run completed
//   "interrupted"      the run paused for input (the process then lingers while late siblings finish)
//   "locked"           another live process owns the run
//   "refused"          resumeWith was refused: the run is not waiting for input (the rival answered first)
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { SqliteSaver } from "@flowlet/sqlite";
import { type CheckpointSaver, ConfigError, RunLockedError } from "flowlet";
import { ANSWER, buildAskFlow } from "./interrupt-flow.js";

const [kind, dir, runId, mode, log, seed] = process.argv.slice(2) as [string, string, string, string, string, string];
const flow = buildAskFlow((label) => appendFileSync(log, `${label}\n`), Number(seed));
const checkpoint: CheckpointSaver = kind === "sqlite" ? new SqliteSaver(join(dir, "runs.db")) : new FileSaver(dir);
process.stdout.write("ready\n");
try {
  const result =
    mode === "run"
      ? await flow.run({ done: [], total: 0 }, { checkpoint, runId })
      : await flow.resume(runId, { checkpoint, onCorrupt: () => {}, ...(mode === "answer" ? { resumeWith: ANSWER } : {}) });
  process.stdout.write(result.status === "completed" ? `result ${JSON.stringify(result.shared)}\n` : "interrupted\n");
} catch (error) {
  if (error instanceof RunLockedError) process.stdout.write("locked\n");
  else if (error instanceof ConfigError && /not waiting for input/.test(error.message)) process.stdout.write("refused\n");
  else throw error;
}

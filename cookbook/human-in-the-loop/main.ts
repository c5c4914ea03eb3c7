import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { createLLM } from "@flowlet/llm";
import { type RunResult, readCheckpoint } from "flowlet";
import { runMain } from "../shared/cli.js";
import { Terminal } from "../shared/terminal.js";
import { createReviewFlow } from "./flow.js";
import type { ReviewRequest, ReviewStore, Verdict } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/human-in-the-loop/main.ts "our new release"
// npx tsx --conditions=@flowlet/source cookbook/human-in-the-loop/main.ts --resume <runId>
// The run waits for you in a checkpoint (HITL_CHECKPOINTS, default: the temp folder), so you can
// leave at the question (Ctrl-D) and answer later with --resume.
runMain(async () => {
  const saver = new FileSaver(process.env.HITL_CHECKPOINTS ?? join(tmpdir(), "flowlet-hitl"));
  const flow = createReviewFlow(createLLM());
  const terminal = new Terminal();
  try {
    let result: RunResult<ReviewStore>;
    if (process.argv[2] === "--resume") {
      const resumeId = process.argv[3];
      if (!resumeId) throw new Error("Give the run to resume: --resume <runId>, as printed when you left it.");
      const saved = await readCheckpoint(saver, resumeId);
      if (saved?.status !== "interrupted")
        throw new Error(`Run "${resumeId}" is not waiting for a review (${saved ? saved.status : "no such run"}).`);
      result = {
        status: "interrupted",
        payload: saved.interrupt!.payload,
        shared: saved.shared as unknown as ReviewStore,
        runId: resumeId,
      };
    } else {
      const topic = process.argv.slice(2).join(" ") || "Flowlet 0.1: PocketFlow's graph model, in TypeScript";
      result = await flow.run({ topic, feedback: [] }, { checkpoint: saver, runId: `review-${Date.now()}` });
    }
    while (result.status === "interrupted") {
      const request = result.payload as ReviewRequest;
      terminal.write(`\n--- Draft ---\n${request.draft}\n-------------\n`);
      const verdict = await askVerdict(terminal, request);
      if (!verdict) {
        terminal.write(`\nNo answer: the run waits. Resume with --resume ${result.runId}\n`);
        return;
      }
      result = await flow.resume(result.runId, { checkpoint: saver, resumeWith: verdict });
    }
    terminal.write(`\nPublished:\n${result.shared.published}\n`);
  } finally {
    terminal.close();
  }
});

async function askVerdict(terminal: Terminal, { question, round }: ReviewRequest): Promise<Verdict | undefined> {
  for (;;) {
    const answer = (await terminal.ask(`${question} (y/n) `))?.trim().toLowerCase();
    if (answer === undefined) return undefined;
    if (answer === "y" || answer === "yes") return { round, approved: true };
    if (answer === "n" || answer === "no") {
      const feedback = await terminal.ask("What should change? ");
      return feedback === null ? undefined : { round, approved: false, feedback };
    }
  }
}

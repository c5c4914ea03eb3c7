import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { answerFlow } from "./flow.js";

// npx tsx --conditions=@flowlet/source cookbook/live-stream/main.ts "Why is the sky blue?"
// Tokens go to stdout as they arrive; node progress goes to stderr.
runMain(async () => {
  const question = process.argv.slice(2).join(" ") || "Why is the sky blue?";
  const flow = answerFlow(createLLM());
  for await (const event of flow.stream({ question })) {
    if (event.type === "nodeStart") process.stderr.write(`▶ ${event.path}\n`);
    if (event.type === "custom") process.stdout.write((event.data as { token: string }).token);
    if (event.type === "nodeEnd")
      process.stderr.write(`${event.node === "Reply" ? "\n" : ""}✓ ${event.path} (${Math.round(event.durationMs)} ms)\n`);
  }
});

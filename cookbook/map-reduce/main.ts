import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { createScreeningFlow } from "./flow.js";
import type { ScreeningStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/map-reduce/main.ts "3+ years of backend development"
runMain(async () => {
  const shared: ScreeningStore = {
    job: process.argv.slice(2).join(" ") || "At least 3 years of professional backend or systems software development.",
    documents: await readDocuments(RESUMES_FOLDER),
  };
  await createScreeningFlow(createLLM()).run(shared);
  for (const e of shared.evaluations!) console.log(`${e.qualified ? "✓" : "✗"} ${e.candidate}: ${e.reason}`);
  console.log(`\n${shared.report!.qualified.length} of ${shared.report!.total} qualified: ${shared.report!.qualified.join(", ")}`);
});

import { createLLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { runMain } from "../shared/cli.js";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { ParseResumes, type ResumeStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/structured-output/main.ts [folder of .txt résumés]
runMain(async () => {
  const shared: ResumeStore = { documents: await readDocuments(process.argv[2] ?? RESUMES_FOLDER) };
  await new Flow(new ParseResumes(createLLM())).run(shared);
  console.log(JSON.stringify(shared.resumes, null, 2));
  for (const [name, error] of Object.entries(shared.failures ?? {})) console.error(`✗ ${name}: ${error}`);
});

import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { compare } from "./compare.js";

// npx tsx --conditions=@flowlet/source cookbook/parallel-batch/main.ts [concurrency] [folder]
runMain(async () => {
  const concurrency = Number(process.argv[2] ?? 4);
  const documents = await readDocuments(process.argv[3] ?? RESUMES_FOLDER);
  const { sequential, parallel } = await compare(createLLM(), documents, concurrency);
  console.log(`${documents.length} résumés, ${Object.keys(parallel.store.resumes ?? {}).length} parsed.`);
  console.log(`sequential: ${(sequential.ms / 1000).toFixed(2)} s`);
  console.log(
    `parallel (concurrency ${concurrency}): ${(parallel.ms / 1000).toFixed(2)} s (${(sequential.ms / parallel.ms).toFixed(1)}× faster)`,
  );
});

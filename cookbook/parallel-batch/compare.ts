import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import type { Document } from "../shared/documents.js";
import { ParseResumes, type ResumeStore } from "../structured-output/nodes.js";
import { ParseResumesInParallel } from "./nodes.js";

export interface Timed {
  store: ResumeStore;
  ms: number;
}

/** Parses the same documents one at a time, then `concurrency` at a time, timing both runs. */
export async function compare(llm: LLM, documents: Document[], concurrency: number): Promise<{ sequential: Timed; parallel: Timed }> {
  const sequential = await timed(new Flow(new ParseResumes(llm), { name: "Sequential" }), documents);
  const parallel = await timed(new Flow(new ParseResumesInParallel(llm, concurrency), { name: "Parallel" }), documents);
  return { sequential, parallel };
}

async function timed(flow: Flow<ResumeStore>, documents: Document[]): Promise<Timed> {
  const store: ResumeStore = { documents };
  const started = performance.now();
  await flow.run(store);
  return { store, ms: performance.now() - started };
}

import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { EvaluateResumes, type ScreeningStore, Shortlist } from "./nodes.js";

/** EvaluateResumes (map, in parallel) → Shortlist (reduce). */
export function createScreeningFlow(llm: LLM): Flow<ScreeningStore> {
  const map = new EvaluateResumes(llm);
  map.next(new Shortlist());
  return new Flow(map, { name: "ResumeScreening" });
}

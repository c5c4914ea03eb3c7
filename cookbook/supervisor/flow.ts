import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { Deliver, type SupervisedStore, Supervisor, Worker } from "./nodes.js";

/** Worker → Supervisor, which sends rejected drafts back to the Worker; approved ones → Deliver. */
export function createSupervisedFlow(llm: LLM, maxRejections = 2): Flow<SupervisedStore> {
  const worker = new Worker(llm);
  const supervisor = worker.next(new Supervisor(llm, maxRejections));
  supervisor.on("reject", worker);
  supervisor.on("approve", new Deliver());
  return new Flow(worker, { name: "Supervised" });
}

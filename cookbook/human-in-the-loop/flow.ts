import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { Publish, Review, type ReviewStore, WriteDraft } from "./nodes.js";

/** WriteDraft → Review (a human: approve → Publish, revise → WriteDraft). */
export function createReviewFlow(llm: LLM): Flow<ReviewStore> {
  const write = new WriteDraft(llm);
  const review = write.next(new Review());
  review.on("revise", write);
  review.on("approve", new Publish());
  // A reviewer who never approves still ends the run.
  return new Flow(write, { name: "ReviewedAnnouncement", maxSteps: 20 });
}

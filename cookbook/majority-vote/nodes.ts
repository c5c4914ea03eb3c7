import type { LLM } from "@flowlet/llm";
import { type NodeContext, ParallelBatchNode } from "flowlet";
import { z } from "zod";

/** YAML reads `answer: 3` as a number: any scalar answer counts, as text. */
const Vote = z.object({ reasoning: z.string(), answer: z.union([z.string().min(1), z.number(), z.boolean()]).transform(String) });
type Vote = z.output<typeof Vote>;

export interface VoteStore {
  question: string;
  /** How many independent answers to ask for. */
  voters: number;
  votes?: string[];
  /** Why each voter that gave no answer failed: abstentions are reported, not hidden. */
  abstentions?: string[];
  /** Votes per normalized answer, most first. */
  tally?: [answer: string, votes: number][];
  answer?: string;
}

/**
 * Asks the same question `voters` times, independently (sampling on, cache off), and keeps the
 * answer most of them agree on. A voter that fails to answer abstains instead of sinking the vote.
 */
export class MajorityVote extends ParallelBatchNode<VoteStore, string, Vote | { abstained: string }> {
  constructor(private readonly llm: LLM) {
    super({ concurrency: 5, maxRetries: 2 });
  }
  override prep(shared: VoteStore): string[] {
    const prompt = `${shared.question}\n\nThink step by step, then reply in YAML with reasoning (short) and answer (just the final answer).`;
    return Array.from({ length: shared.voters }, () => prompt);
  }
  override exec(prompt: string, ctx: NodeContext): Promise<Vote> {
    return this.llm.structured(prompt, Vote, { format: "yaml", maxAttempts: 2, temperature: 0.8, cache: false, signal: ctx.signal });
  }
  override execFallback(_prompt: string, error: unknown): { abstained: string } {
    return { abstained: error instanceof Error ? error.message : String(error) };
  }
  override post(shared: VoteStore, _prompts: string[], votes: (Vote | { abstained: string })[]): undefined {
    shared.votes = votes.flatMap((vote) => ("answer" in vote ? [normalize(vote.answer)] : []));
    shared.abstentions = votes.flatMap((vote) => ("abstained" in vote ? [vote.abstained] : []));
    const counts = new Map<string, number>();
    for (const vote of shared.votes) counts.set(vote, (counts.get(vote) ?? 0) + 1);
    shared.tally = [...counts].sort((a, b) => b[1] - a[1]);
    shared.answer = shared.tally[0]?.[0];
  }
}

/** "42.", " 42 " and "42" are the same vote. */
export function normalize(answer: string): string {
  return answer
    .trim()
    .toLowerCase()
    .replace(/[.\s]+$/, "");
}

import type { LLM } from "@flowlet/llm";
import { z } from "zod";

/** What is extracted from a résumé. The type is inferred from the schema, never restated. */
export const Resume = z.object({
  name: z.string().min(1),
  email: z.email(),
  experience: z.array(
    z.object({
      title: z.string().min(1),
      company: z.string().min(1),
      /** As written, e.g. "2019–present". */
      period: z.string(),
    }),
  ),
});
export type Resume = z.infer<typeof Resume>;

const INSTRUCTIONS = `Extract the candidate from this résumé as YAML with exactly these fields:
name: full name
email: email address
experience: list of jobs, most recent first, each with title, company and period (as written)
`;

/**
 * Asks for the résumé as YAML and validates it against {@link Resume}. An unparsable or invalid
 * reply is sent back to the model with what was wrong, up to `maxAttempts` times in all; after
 * that it rejects with `StructuredOutputError` (from `@flowlet/llm`).
 */
export function extractResume(llm: LLM, text: string, signal?: AbortSignal): Promise<Resume> {
  return llm.structured(`${INSTRUCTIONS}\n\nRésumé:\n${text}`, Resume, { format: "yaml", maxAttempts: 3, signal });
}

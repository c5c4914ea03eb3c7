import { StructuredOutputError } from "./errors.js";
import { type StructuredFormat, parseReply } from "./extract.js";
import { type LLMCache, save } from "./cache.js";
import type { RawReply } from "./providers/provider.js";
import { type StandardSchemaV1, validate } from "./standard-schema.js";
import type { ChatOptions, ChatResult, Message } from "./types.js";

/** One reply, with what is needed to cache it later. */
export interface Completion {
  result: ChatResult;
  raw: RawReply;
  /** Undefined when the cache is off for this call. */
  key: string | undefined;
  cache: LLMCache | undefined;
}

/** Options of `llm.structured`. */
export interface StructuredOptions extends Omit<ChatOptions, "tools"> {
  /** Default "yaml": easier for models to write than JSON (no escaping of quotes and newlines). */
  format?: StructuredFormat;
  /** Calls in all, the first included. Default 3. */
  maxAttempts?: number;
}

type Complete = (messages: readonly Message[], options: ChatOptions) => Promise<Completion>;

/**
 * Asks for data in `format`, parses and validates it against `schema`, and on failure re-asks with
 * the error fed back. Only a valid reply is cached, under the original question, so a later run
 * gets it at once; re-asks never read the cache.
 */
export async function structured<S extends StandardSchemaV1>(
  complete: Complete,
  prompt: readonly Message[],
  schema: S,
  options: StructuredOptions,
): Promise<StandardSchemaV1.InferOutput<S>> {
  const { format = "yaml", maxAttempts = 3, ...chatOptions } = options;
  const fence = `\`\`\`${format}`;
  const messages = withInstruction(prompt, `Reply with the result as ${format.toUpperCase()} in a single ${fence} fenced block.`);
  let firstKey: string | undefined;
  let raw = "";
  let issues: readonly StandardSchemaV1.Issue[] = [];
  for (let attempt = 1; attempt <= Math.max(1, maxAttempts); attempt++) {
    const completion = await complete(messages, { ...chatOptions, cache: attempt === 1 ? (chatOptions.cache ?? true) : chatOptions.cache === false ? false : "refresh" });
    if (attempt === 1) firstKey = completion.key;
    raw = completion.result.text;
    const parsed = parseReply(raw, format);
    if ("value" in parsed) {
      const checked = await validate(schema, parsed.value);
      if (!checked.issues) {
        if (completion.cache && firstKey && !completion.result.cached) await save(completion.cache, firstKey, completion.raw);
        return checked.value;
      }
      issues = checked.issues;
    } else {
      issues = [{ message: parsed.error }];
    }
    messages.push(
      { role: "assistant", content: raw },
      { role: "user", content: `That reply could not be used: ${describeIssues(issues)}. Reply again with the complete, corrected result in a single ${fence} fenced block.` },
    );
  }
  throw new StructuredOutputError(raw, issues, Math.max(1, maxAttempts));
}

function withInstruction(prompt: readonly Message[], instruction: string): Message[] {
  const messages = [...prompt];
  const last = messages.at(-1);
  if (last?.role === "user") messages[messages.length - 1] = { role: "user", content: `${last.content}\n\n${instruction}` };
  else messages.push({ role: "user", content: instruction });
  return messages;
}

function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      return path ? `at "${path}": ${issue.message}` : issue.message;
    })
    .join("; ");
}

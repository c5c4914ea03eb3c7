import { type LLMCache, save } from "./cache.js";
import { StructuredOutputError } from "./errors.js";
import { type StructuredFormat, parseReply } from "./extract.js";
import type { LLMLimits } from "./limits.js";
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
  /** The output cap the request carried. */
  maxOutputTokens: number;
}

/** Options of `llm.structured`. */
export interface StructuredOptions extends Omit<ChatOptions, "tools" | "toolChoice" | "maxAttempts"> {
  /** Default "yaml": easier for models to write than JSON (no escaping of quotes and newlines). */
  format?: StructuredFormat;
  /**
   * Replies asked for in all, the first included (re-asks after a bad or cut-off reply). Default 3.
   * Transport retries (a 500, a timeout) are not counted here: they follow `retry` or `budget`.
   */
  maxAttempts?: number;
}

/** What `structured` needs from the client. */
export interface StructuredHost {
  complete(messages: readonly Message[], options: ChatOptions): Promise<Completion>;
  countTokens(messages: readonly Message[], model: string): number;
  limitsFor(model: string): LLMLimits;
  model: string;
}

/** Characters of a failed reply quoted back to the model: its start and its end, never the whole. */
export const REASK_EXCERPT_CHARS = 2_000;
/** Characters of the error sent back. */
export const REASK_ERROR_CHARS = 1_000;

/**
 * Asks for data in `format`, parses and validates it against `schema`, and on failure re-asks with
 * the error fed back. A reply cut at its output cap (`finishReason` `length`) is not parsed: it is
 * asked again with a doubled cap while the model allows one, else continued. Re-asks quote a
 * bounded excerpt of the failed reply, so they stay inside the context window whatever it was.
 * Only a valid reply is cached, under the original question; re-asks never read the cache.
 */
export async function structured<S extends StandardSchemaV1>(
  host: StructuredHost,
  prompt: readonly Message[],
  schema: S,
  options: StructuredOptions,
): Promise<StandardSchemaV1.InferOutput<S>> {
  const { format = "yaml", maxAttempts = 3, ...chatOptions } = options;
  const fence = `\`\`\`${format}`;
  const question = withInstruction(prompt, `Reply with the result as ${format.toUpperCase()} in a single ${fence} fenced block.`);
  const model = chatOptions.model ?? host.model;
  const limits = host.limitsFor(model);
  let messages = question;
  let cap = chatOptions.maxOutputTokens ?? chatOptions.maxTokens;
  let firstKey: string | undefined;
  let raw = "";
  let issues: readonly StandardSchemaV1.Issue[] = [];
  const attempts = Math.max(1, maxAttempts);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const cache = attempt === 1 ? (chatOptions.cache ?? true) : chatOptions.cache === false ? false : "refresh";
    const completion = await host.complete(messages, { ...chatOptions, ...(cap !== undefined && { maxOutputTokens: cap }), cache });
    if (attempt === 1) firstKey = completion.key;
    const reply = completion.result;
    raw = reply.text;
    if (reply.finishReason.unified === "length") {
      // A cut reply is not data. Ask again with room for it, or have the model go on from the cut.
      issues = [{ message: `The reply was cut off at ${completion.maxOutputTokens} output tokens.` }];
      const room = limits.contextTokens - host.countTokens(question, model);
      const larger = Math.min(completion.maxOutputTokens * 2, limits.maxOutputTokens, room);
      if (larger > completion.maxOutputTokens) {
        cap = larger;
        messages = question;
      } else {
        messages = [...question, { role: "assistant", content: excerpt(raw) }, { role: "user", content: cutInstruction(fence) }];
      }
      continue;
    }
    const parsed = parseReply(raw, format);
    if ("value" in parsed) {
      const checked = await validateSafely(schema, parsed.value);
      if (!checked.issues) {
        if (completion.cache && firstKey && !reply.cached) await save(completion.cache, firstKey, completion.raw);
        return checked.value;
      }
      issues = checked.issues;
    } else {
      issues = [{ message: parsed.error }];
    }
    // Only the latest failure is quoted, in bounded excerpts: re-asks never grow with the replies.
    messages = [
      ...question,
      { role: "assistant", content: excerpt(raw) },
      {
        role: "user",
        content: `That reply could not be used: ${clip(describeIssues(issues), REASK_ERROR_CHARS)}. Reply again with the complete, corrected result in a single ${fence} fenced block.`,
      },
    ];
  }
  throw new StructuredOutputError(raw, issues, attempts);
}

/** A schema library that throws (a stack overflow on odd data, a bug) is a failed validation, not a crash. */
async function validateSafely<S extends StandardSchemaV1>(schema: S, value: unknown): ReturnType<typeof validate<S>> {
  try {
    return await validate(schema, value);
  } catch (error) {
    return { issues: [{ message: `the schema could not check the value (${String((error as Error)?.message ?? error).slice(0, 200)})` }] };
  }
}

function cutInstruction(fence: string): string {
  return `Your reply was cut off at the output limit. Reply again with a shorter but complete result in a single ${fence} fenced block: leave out optional detail.`;
}

/** The start and end of a long reply, with how much was left out between. */
export function excerpt(text: string, limit = REASK_EXCERPT_CHARS): string {
  if (text.length <= limit) return text;
  const head = Math.floor(limit * 0.7);
  const tail = limit - head;
  return `${text.slice(0, head)}\n[… ${text.length - limit} characters left out …]\n${text.slice(-tail)}`;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
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
    .slice(0, 20)
    .map((issue) => {
      const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      return path ? `at "${path}": ${issue.message}` : issue.message;
    })
    .join("; ");
}

import type { StandardSchemaV1 } from "./standard-schema.js";

/** Base class of every error `@flowlet/llm` throws, so `instanceof LLMError` catches them all. */
export class LLMError extends Error {
  override name = "LLMError";
}

/**
 * Missing or invalid configuration. `variable` names what to set: an environment variable
 * (`FLOWLET_LLM_MODEL`) when the config came from the environment, else the option (`config.model`).
 */
export class LLMConfigError extends LLMError {
  override name = "LLMConfigError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** `embed()` was called on a provider that has no embeddings API (Anthropic). */
export class EmbeddingsUnsupportedError extends LLMConfigError {
  override name = "EmbeddingsUnsupportedError";
  constructor(
    readonly provider: string,
    variable: string,
  ) {
    super(
      variable,
      `The ${provider} provider has no embeddings API. Embed with a second client: createLLM({ provider: "openai" (OpenAI or any OpenAI-compatible server, e.g. Ollama) or "gemini", ... }).`,
    );
  }
}

/** The provider answered with a non-2xx status (after retries, when the status is retryable). */
export class LLMHTTPError extends LLMError {
  override name = "LLMHTTPError";
  constructor(
    readonly status: number,
    /** The provider's error message, with any API key blanked out. */
    readonly detail: string,
    readonly url: string,
    readonly attempts: number,
  ) {
    super(
      `${safeURL(url)} answered HTTP ${status}${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${detail || "(no message)"}${hint(status)}`,
    );
  }
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ". Check the API key (FLOWLET_LLM_API_KEY or config.apiKey) and that it may use this model.";
  if (status === 404) return ". Check the base URL and the model name (FLOWLET_LLM_BASE_URL, FLOWLET_LLM_MODEL).";
  if (status === 429) return ". Rate limited: lower concurrency or rpm with createLimiter(), or raise retry.maxRetries.";
  return "";
}

/** The provider could not be reached (connection refused, reset, DNS), after retries. */
export class LLMNetworkError extends LLMError {
  override name = "LLMNetworkError";
  constructor(
    readonly url: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `Could not reach ${safeURL(url)}${attempts > 1 ? ` after ${attempts} attempts` : ""} (${reason(cause)}). Is the server running and the base URL right?`,
      { cause },
    );
  }
}

function reason(cause: unknown): string {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  const code = (inner as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return inner instanceof Error ? inner.message : String(inner);
}

/** No answer within `timeoutMs` (for a stream: no data for `timeoutMs`), after retries. */
export class LLMTimeoutError extends LLMError {
  override name = "LLMTimeoutError";
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly attempts: number,
  ) {
    super(
      `${safeURL(url)} did not answer within ${timeoutMs} ms${attempts > 1 ? ` (${attempts} attempts)` : ""}. Raise timeoutMs for slow models.`,
    );
  }
}

/** Longest excerpt of an offending body kept on an {@link LLMResponseError}. */
export const RESPONSE_BODY_LIMIT = 2000;

/**
 * The provider answered (HTTP 2xx) with something its wire format does not allow: not JSON, a
 * missing or mistyped field, a stream event that cannot be read. Never retried unless the call
 * opts in (`retry: { malformedReplies: true }`), never reported as a network error.
 */
export class LLMResponseError extends LLMError {
  override name = "LLMResponseError";
  /** The start of the offending body (at most {@link RESPONSE_BODY_LIMIT} characters), for debugging. */
  readonly body: string | undefined;
  constructor(
    message: string,
    body?: string,
    /** Requests made for this call, this one included. */
    readonly attempts = 1,
  ) {
    super(message);
    this.body = body === undefined ? undefined : excerpt(body, RESPONSE_BODY_LIMIT);
  }
}

/** `text` cut to `limit` characters, saying how much was left out. */
export function excerpt(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

/**
 * A call ran out of its total time (`deadlineMs`), retries and backoff waits included. It is an
 * {@link LLMTimeoutError}, so code that handles timeouts handles it too.
 */
export class LLMDeadlineError extends LLMTimeoutError {
  override name = "LLMDeadlineError";
  constructor(
    url: string,
    readonly deadlineMs: number,
    attempts: number,
  ) {
    super(url, deadlineMs, attempts);
    this.message =
      `${safeURL(url)}: no reply within the call's deadline of ${deadlineMs} ms (${attempts} attempt${attempts === 1 ? "" : "s"}). ` +
      "Raise deadlineMs, or check that the server is up.";
  }
}

/**
 * The provider refused the prompt as longer than the model's context window (an HTTP 400 that
 * says so). Shorten the prompt: `llm.limits` and `countTokens` tell how much fits.
 */
export class ContextLengthError extends LLMHTTPError {
  override name = "ContextLengthError";
}

/** Whether a 400's message is a provider's "prompt too long" (OpenAI, Anthropic, Gemini, vLLM wording). */
export function isContextLengthMessage(detail: string): boolean {
  return /context[_ ]length|context window|prompt is too long|exceed(s|ed)? (the )?context|maximum number of tokens|input token count/i.test(
    detail,
  );
}

/**
 * `structured()` got no valid value after all its attempts. `raw` is the last reply,
 * `issues` what was wrong with it (parse error or schema issues).
 */
export class StructuredOutputError extends LLMError {
  override name = "StructuredOutputError";
  constructor(
    readonly raw: string,
    readonly issues: readonly StandardSchemaV1.Issue[],
    readonly attempts: number,
  ) {
    super(
      `No valid structured output after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${formatIssues(issues)}. Make the prompt more explicit, raise maxAttempts, or use a stronger model.`,
    );
  }
}

/** A tool call's arguments were not valid JSON, or failed the tool's schema. */
export class ToolCallError extends LLMError {
  override name = "ToolCallError";
  constructor(
    readonly tool: string,
    readonly rawArguments: unknown,
    readonly issues: readonly StandardSchemaV1.Issue[],
  ) {
    super(
      `The model called tool "${tool}" with invalid arguments: ${formatIssues(issues)}. Send the issues back as the tool result so the model can correct itself.`,
    );
  }
}

/** Renders schema issues as one line: `path.to.field: message; other: message`. */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** A stream closed before the provider's end marker: the text so far is not the whole answer. */
export class TruncatedStreamError extends LLMResponseError {
  override name = "TruncatedStreamError";
  constructor(
    readonly url: string,
    /** The text received before the stream broke. */
    readonly partialText: string,
    override readonly cause?: unknown,
  ) {
    super(
      `The stream from ${safeURL(url)} closed before its end marker, after ${partialText.length} characters: the reply is incomplete. Retry the call.`,
    );
  }
}

/** The URL without credentials or query, which could carry secrets a user put in a base URL. */
export function safeURL(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(the configured URL)";
  }
}

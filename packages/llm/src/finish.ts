/** Why a reply ended, the same for every provider. */
export type UnifiedFinishReason = "stop" | "length" | "tool-calls" | "content-filter" | "error" | "other";

/**
 * Why a reply ended: `unified` to act on, `raw` as the provider said it (`stop`, `end_turn`,
 * `MAX_TOKENS`, ...). `length` means the reply was cut at the output cap: its text is not whole.
 */
export interface FinishReason {
  unified: UnifiedFinishReason;
  raw: string;
}

// The three wire formats' documented values. OpenAI-compatible servers reuse OpenAI's; "eos" is TGI's.
const UNIFIED: Readonly<Record<string, UnifiedFinishReason>> = {
  stop: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  eos: "stop",
  STOP: "stop",
  length: "length",
  max_tokens: "length",
  MAX_TOKENS: "length",
  model_context_window_exceeded: "length",
  tool_calls: "tool-calls",
  function_call: "tool-calls",
  tool_use: "tool-calls",
  content_filter: "content-filter",
  refusal: "content-filter",
  SAFETY: "content-filter",
  RECITATION: "content-filter",
  BLOCKLIST: "content-filter",
  PROHIBITED_CONTENT: "content-filter",
  SPII: "content-filter",
  IMAGE_SAFETY: "content-filter",
  error: "error",
  MALFORMED_FUNCTION_CALL: "error",
  UNEXPECTED_TOOL_CALL: "error",
};

/**
 * Maps a provider's stop reason onto {@link UnifiedFinishReason}. Covers OpenAI (`stop`, `length`,
 * `tool_calls`, `content_filter`), Anthropic (`end_turn`, `max_tokens`, `stop_sequence`, `tool_use`,
 * `refusal`) and Gemini (`STOP`, `MAX_TOKENS`, `SAFETY`, `RECITATION`, ...); anything else is `other`.
 */
export function unifyFinishReason(raw: string): FinishReason {
  return { unified: Object.hasOwn(UNIFIED, raw) ? (UNIFIED[raw] as UnifiedFinishReason) : "other", raw };
}

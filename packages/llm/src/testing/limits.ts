import type { ProviderName } from "../config.js";
import { knownLimits } from "../limits.js";
import { encoder, exactEncode, exactTokens } from "../tokens.js";

/** The fake's model limits: a known model's from the table, else a gpt-4o-sized model's. */
export interface FakeLimits {
  contextTokens: number;
  maxOutputTokens: number;
}

export const FAKE_DEFAULT_LIMITS: Readonly<FakeLimits> = Object.freeze({ contextTokens: 128_000, maxOutputTokens: 16_384 });

export function fakeLimits(model: string, given: Partial<FakeLimits> | undefined): FakeLimits {
  const base = knownLimits(model) ?? FAKE_DEFAULT_LIMITS;
  return { contextTokens: given?.contextTokens ?? base.contextTokens, maxOutputTokens: given?.maxOutputTokens ?? base.maxOutputTokens };
}

/** Real tokens (o200k), as the fake counts prompts and replies. */
export function realTokens(text: string): number {
  return exactTokens("o200k_base", text);
}

/** The first `tokens` tokens of `text`, cut where a real model stops at its cap (mid-word, as it happens). */
export function firstTokens(text: string, tokens: number): string {
  return encoder("o200k_base").decode(exactEncode("o200k_base", text).slice(0, tokens));
}

/** A 400 for a prompt over the window, worded and shaped as each provider's real one. */
export function contextError(
  provider: ProviderName,
  input: number,
  output: number,
  limits: FakeLimits,
  model: string,
): { message: string; code?: string } {
  if (provider === "openai") {
    return input > limits.contextTokens
      ? {
          message: `This model's maximum context length is ${limits.contextTokens} tokens. However, your messages resulted in ${input} tokens. Please reduce the length of the messages.`,
          code: "context_length_exceeded",
        }
      : {
          message: `This model's maximum context length is ${limits.contextTokens} tokens. However, you requested ${input + output} tokens (${input} in the messages, ${output} in the completion). Please reduce the length of the messages or completion.`,
          code: "context_length_exceeded",
        };
  }
  if (provider === "anthropic") {
    return input > limits.contextTokens
      ? { message: `prompt is too long: ${input} tokens > ${limits.contextTokens} maximum` }
      : {
          message: `input length and \`max_tokens\` exceed context limit: ${input} + ${output} > ${limits.contextTokens}, decrease input length or \`max_tokens\` and try again`,
        };
  }
  return {
    message: `The input token count (${input}) exceeds the maximum number of tokens allowed (${limits.contextTokens}) for ${model}.`,
  };
}

/** A 400 for an output cap over the model's, as OpenAI and Anthropic word it (Gemini clamps silently). */
export function outputCapError(
  provider: ProviderName,
  asked: number,
  limits: FakeLimits,
  model: string,
): { message: string; code?: string } | undefined {
  if (provider === "openai") {
    return {
      message: `max_tokens is too large: ${asked}. This model supports at most ${limits.maxOutputTokens} completion tokens, whereas you provided ${asked}.`,
      code: "invalid_value",
    };
  }
  if (provider === "anthropic")
    return {
      message: `max_tokens: ${asked} > ${limits.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model}`,
    };
  return undefined;
}

import type { ChatOptions, ChatResult, Message } from "./types.js";

/** Asked of a provider that has no assistant prefill: the model is to pick up mid-word if need be. */
export const CONTINUE_INSTRUCTION =
  "Your previous reply was cut off at the output limit. Continue it exactly where it stopped, mid-word if need be: " +
  "do not repeat anything, do not add any preamble or closing remark.";

type Chat = (messages: readonly Message[], options: ChatOptions) => Promise<ChatResult>;

/**
 * Continues `reply` while it ends at its output cap. A provider with `prefill` (Anthropic)
 * continues a trailing assistant message itself; the others are asked to, with {@link CONTINUE_INSTRUCTION}.
 */
export async function continueReply(
  chat: Chat,
  prompt: readonly Message[],
  reply: ChatResult,
  options: ChatOptions & { maxContinuations?: number },
  prefill: boolean,
): Promise<ChatResult> {
  const { maxContinuations = 3, ...chatOptions } = options;
  let joined = reply;
  for (let round = 0; round < maxContinuations && joined.finishReason.unified === "length"; round++) {
    // Anthropic refuses a prefill that ends in whitespace; the cut is made before it.
    const sofar = prefill ? joined.text.trimEnd() : joined.text;
    const messages: Message[] = prefill
      ? [...prompt, { role: "assistant", content: sofar }]
      : [...prompt, { role: "assistant", content: sofar }, { role: "user", content: CONTINUE_INSTRUCTION }];
    const next = await chat(messages, { ...chatOptions, cache: false });
    joined = {
      ...next,
      text: sofar + next.text,
      toolCalls: [...joined.toolCalls, ...next.toolCalls],
      usage: {
        inputTokens: joined.usage.inputTokens + next.usage.inputTokens,
        outputTokens: joined.usage.outputTokens + next.usage.outputTokens,
        totalTokens: joined.usage.totalTokens + next.usage.totalTokens,
      },
      ignoredParts: [...joined.ignoredParts, ...next.ignoredParts],
      cached: false,
    };
  }
  return joined;
}

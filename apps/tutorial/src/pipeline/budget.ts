/**
 * Token budgeting. Prompts are sized with an estimate, not a tokenizer, so the pipeline works the
 * same for every provider and costs nothing to plan:
 *
 * - ASCII text: 4 characters per token (the usual rule of thumb for English and code);
 * - any other character: 1 token each, because CJK, Cyrillic and emoji tokenize far denser than
 *   4 characters per token, and underestimating is what overflows a context window.
 *
 * A prompt may use {@link promptBudget} tokens of the context window; the rest is left for the reply.
 */

/** The smallest context window the pipeline accepts: below this the fixed instructions alone do not fit. */
export const MIN_CONTEXT_TOKENS = 2000;

/** At most this many tokens of the window are held back for the model's reply. */
const MAX_REPLY_RESERVE = 8192;

/** The estimated token count of `text` (see the module comment for the rule). */
export function estimateTokens(text: string): number {
  let other = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) other++;
  return Math.ceil((text.length - other) / 4) + other;
}

/** How many tokens a prompt may use in a window of `contextTokens`: a quarter (at most 8192) is kept for the reply. */
export function promptBudget(contextTokens: number): number {
  return contextTokens - Math.min(Math.floor(contextTokens / 4), MAX_REPLY_RESERVE);
}

/** The longest prefix of `text` whose estimate is at most `maxTokens`. */
function prefixWithin(text: string, maxTokens: number): string {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) other++;
    else ascii++;
    if (Math.ceil(ascii / 4) + other > maxTokens) return text.slice(0, i);
  }
  return text;
}

/**
 * `text` cut to at most `maxTokens` (estimated), at a line break when one is near, with a note
 * saying how much was left out, so the model knows it sees part of the file.
 */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const note = (kept: number) => `\n[… truncated to fit the context budget: ${kept} of ${text.length} characters shown]`;
  const room = Math.max(0, maxTokens - estimateTokens(note(text.length)));
  let kept = prefixWithin(text, room);
  const lastBreak = kept.lastIndexOf("\n");
  if (lastBreak > kept.length * 0.8) kept = kept.slice(0, lastBreak);
  return kept + note(kept.length);
}

/**
 * Splits `text` into pieces of at most `maxTokens` each, at line breaks where possible (a line
 * longer than a whole piece is split mid-line). Joining the pieces gives `text` back.
 */
export function chunkText(text: string, maxTokens: number): string[] {
  if (estimateTokens(text) <= maxTokens) return [text];
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    let piece = prefixWithin(rest, maxTokens);
    if (piece.length === 0) piece = rest.slice(0, 1);
    else if (piece.length < rest.length) {
      const lastBreak = piece.lastIndexOf("\n");
      if (lastBreak > 0) piece = piece.slice(0, lastBreak + 1);
    }
    chunks.push(piece);
    rest = rest.slice(piece.length);
  }
  return chunks;
}

/**
 * Joins `sections` (most important first) into one block of at most `maxTokens`: whole sections
 * while they fit, then the first that does not is truncated, and the rest are named in a note, so
 * nothing is dropped silently.
 */
export function packSections(sections: readonly string[], maxTokens: number, separator = "\n\n"): string {
  const out: string[] = [];
  let used = 0;
  const sep = estimateTokens(separator);
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] as string;
    const cost = estimateTokens(section) + (out.length > 0 ? sep : 0);
    if (used + cost <= maxTokens) {
      out.push(section);
      used += cost;
      continue;
    }
    const left = sections.length - i;
    const omitted = `[… ${left} more section${left === 1 ? "" : "s"} left out to fit the context budget]`;
    const room = maxTokens - used - 2 * sep - estimateTokens(omitted);
    if (room >= 64) {
      out.push(truncateToTokens(section, room));
      const rest = left - 1;
      if (rest > 0) out.push(`[… ${rest} more section${rest === 1 ? "" : "s"} left out to fit the context budget]`);
    } else if (maxTokens - used - sep >= estimateTokens(omitted)) {
      out.push(omitted);
    }
    break;
  }
  return out.join(separator);
}

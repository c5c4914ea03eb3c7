import { countTokens } from "@flowlet/llm";

/**
 * Token budgeting, by the LLM layer's `countTokens(text, model)`: the model family's real
 * tokenizer where one exists offline (OpenAI-style models), else its conservative estimate,
 * calibrated to err high on dense code. Every prompt is sized by that count, so a prompt that
 * fits here fits the model.
 */

/** The smallest context window the pipeline accepts: below this the fixed instructions alone do not fit. */
export const MIN_CONTEXT_TOKENS = 4096;

/** Counts tokens for one model, remembering the counts of texts it has seen (files are counted many times). */
export class Tokens {
  readonly #memo = new Map<string, number>();

  constructor(readonly model: string) {}

  /** Tokens of `text` for this model. */
  count(text: string): number {
    if (text.length < 64) return countTokens(text, this.model);
    let known = this.#memo.get(text);
    if (known === undefined) {
      known = countTokens(text, this.model);
      this.#memo.set(text, known);
    }
    return known;
  }

  /** The longest prefix of `text` of at most `maxTokens`, found by bisection on its length. */
  prefixWithin(text: string, maxTokens: number): string {
    if (this.count(text) <= maxTokens) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (countTokens(text.slice(0, middle), this.model) <= maxTokens) low = middle;
      else high = middle - 1;
    }
    return text.slice(0, low);
  }

  /**
   * `text` cut to at most `maxTokens`, at a line break when one is near, with a note saying how
   * much was left out, so the model knows it sees part of the file.
   */
  truncate(text: string, maxTokens: number): string {
    if (this.count(text) <= maxTokens) return text;
    const note = (kept: number) => `\n[… truncated to fit the context budget: ${kept} of ${text.length} characters shown]`;
    const room = Math.max(0, maxTokens - this.count(note(text.length)));
    let kept = this.prefixWithin(text, room);
    const lastBreak = kept.lastIndexOf("\n");
    if (lastBreak > kept.length * 0.8) kept = kept.slice(0, lastBreak);
    return kept + note(kept.length);
  }

  /**
   * Splits `text` into pieces of at most `maxTokens` each, at line breaks where possible (a line
   * longer than a whole piece is split mid-line). Joining the pieces gives `text` back.
   */
  chunk(text: string, maxTokens: number): string[] {
    if (this.count(text) <= maxTokens) return [text];
    const chunks: string[] = [];
    let rest = text;
    while (rest.length > 0) {
      // Bisecting over a window a little larger than the piece keeps each search short.
      const window = rest.slice(0, Math.max(1, maxTokens * 8));
      let piece = this.prefixWithin(window, maxTokens);
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
  pack(sections: readonly string[], maxTokens: number, separator = "\n\n"): string {
    const out: string[] = [];
    let used = 0;
    const sep = this.count(separator);
    for (let i = 0; i < sections.length; i++) {
      const section = sections[i] as string;
      const cost = this.count(section) + (out.length > 0 ? sep : 0);
      if (used + cost <= maxTokens) {
        out.push(section);
        used += cost;
        continue;
      }
      const left = sections.length - i;
      const omitted = `[… ${left} more section${left === 1 ? "" : "s"} left out to fit the context budget]`;
      const room = maxTokens - used - 2 * sep - this.count(omitted);
      if (room >= 64) {
        out.push(this.truncate(section, room));
        const rest = left - 1;
        if (rest > 0) out.push(`[… ${rest} more section${rest === 1 ? "" : "s"} left out to fit the context budget]`);
      } else if (maxTokens - used - sep >= this.count(omitted)) {
        out.push(omitted);
      }
      break;
    }
    return out.join(separator);
  }
}

/** What a prompt may use: its token counter and the most tokens it may hold. */
export type Room = { tokens: Tokens; budget: number };

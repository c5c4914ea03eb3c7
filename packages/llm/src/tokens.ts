import { createRequire } from "node:module";

/** The tokenizers `countTokens` knows exactly. */
export type Encoding = "o200k_base" | "cl100k_base";

/** How a count was made: by the model family's real tokenizer, or by the calibrated estimate. */
export type TokenCountMethod = Encoding | "estimate";

interface EncodeOptions {
  disallowedSpecial?: Set<string>;
}

interface Encoder {
  countTokens(text: string, options?: EncodeOptions): number;
  encode(text: string, options?: EncodeOptions): number[];
  decode(tokens: readonly number[]): string;
}

/** Special-token strings in a prompt are text: gpt-tokenizer would otherwise throw on `<|endoftext|>`. */
export const PLAIN_TEXT: EncodeOptions = Object.freeze({ disallowedSpecial: new Set<string>() });

// Loaded on first use, synchronously: an encoding costs ~0.3-0.6 s and ~40 MB, paid only by apps that count.
const load = createRequire(import.meta.url);
const encoders = new Map<Encoding, Encoder>();

/** @internal The real tokenizer for `encoding` (gpt-tokenizer). */
export function encoder(encoding: Encoding): Encoder {
  let found = encoders.get(encoding);
  if (!found) {
    found = load(`gpt-tokenizer/encoding/${encoding}`) as Encoder;
    encoders.set(encoding, found);
  }
  return found;
}

/**
 * The real tokenizer of an OpenAI-style model, or undefined when none is available offline
 * (Anthropic, Gemini and local models: their tokenizers are not published for JavaScript).
 */
export function encodingFor(model: string): Encoding | undefined {
  const name = model.replace(/^(models|openai)\//, "").toLowerCase();
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)([-:.]|$)/.test(name)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)([-:.]|$)/.test(name)) return "cl100k_base";
  return undefined;
}

/**
 * Tokens in `text` for `model`: exact for OpenAI-style models (o200k or cl100k, by gpt-tokenizer),
 * else {@link estimateTokens}, a conservative estimate that errs high. Special-token strings such
 * as `<|endoftext|>` count as plain text, as an API counts them in a prompt.
 */
export function countTokens(text: string, model: string): number {
  const encoding = encodingFor(model);
  return encoding ? exactTokens(encoding, text) : estimateTokens(text);
}

/**
 * Longest run of one character class handed to the BPE in one piece. BPE merging is quadratic
 * in a piece's length, and a hostile or odd text (100,000 `[`, a long unbroken word) is a single
 * piece: cut there, the count stays linear in time and off by at most one token per cut.
 * Ordinary text never has such runs, so its count is exact.
 */
export const MAX_RUN = 64;

/** @internal The real count, with runs longer than {@link MAX_RUN} cut (see there). */
export function exactTokens(encoding: Encoding, text: string): number {
  const tokenizer = encoder(encoding);
  let total = 0;
  for (const piece of pieces(text)) total += tokenizer.countTokens(piece, PLAIN_TEXT);
  return total;
}

/** @internal The tokens of `text`, encoded piece by piece as {@link exactTokens} counts them. */
export function exactEncode(encoding: Encoding, text: string): number[] {
  const tokenizer = encoder(encoding);
  const tokens: number[] = [];
  for (const piece of pieces(text)) for (const token of tokenizer.encode(piece, PLAIN_TEXT)) tokens.push(token);
  return tokens;
}

/** `text` cut inside any run of more than {@link MAX_RUN} characters of one class; usually `[text]`. */
function pieces(text: string): string[] {
  const cuts: number[] = [];
  let run = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const kind = code === 32 || code === 9 || code === 10 || code === 13 ? 0 : code >= 48 && code <= 57 ? 1 : isLetter(code) ? 2 : 3;
    run = kind === previous ? run + 1 : 1;
    previous = kind;
    // Never between the halves of a surrogate pair.
    if (run > MAX_RUN && !(code >= 0xdc00 && code <= 0xdfff)) {
      cuts.push(i);
      run = 1;
    }
  }
  if (cuts.length === 0) return [text];
  const result: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    result.push(text.slice(start, cut));
    start = cut;
  }
  result.push(text.slice(start));
  return result;
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code >= 128;
}

/** Which method {@link countTokens} uses for `model`. */
export function tokenCountMethod(model: string): TokenCountMethod {
  return encodingFor(model) ?? "estimate";
}

/**
 * The calibrated margin {@link estimateTokens} applies to its raw count. Measured by
 * `packages/llm/bench/count-tokens.ts`: with it the estimate is at or above the higher of the real
 * o200k and cl100k counts on prose, code, minified JS and hash-heavy JSON (docs/llm.md has the ratios).
 */
export const ESTIMATE_MARGIN = 1.2;

/**
 * A tokenizer-free estimate of a text's tokens, meant to err high: one linear pass that counts
 * words, digit groups, punctuation runs, line breaks and non-Latin characters the way BPE
 * tokenizers split them, times {@link ESTIMATE_MARGIN}. Unlike chars/4 it does not undercount
 * minified or dense code (where chars/4 is 1.3-1.8× too low) or non-Latin scripts.
 */
export function estimateTokens(text: string): number {
  // In tenths of a token, to stay in integers.
  let tenths = 0;
  let run = 0;
  let kind: number = Kind.None;
  const close = () => {
    // A word of up to 6 letters is one token; longer ones take one more per 3 letters.
    if (kind === Kind.Letters) tenths += 10 * (1 + Math.max(0, Math.ceil((run - 6) / 3)));
    else if (kind === Kind.Digits)
      tenths += 10 * Math.ceil(run / 3); // numbers split in groups of 3
    else if (kind === Kind.Punctuation) tenths += 4 + (run - 1) * 6; // runs like `);` or `=>` merge
    run = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next =
      (code >= 97 && code <= 122) || (code >= 65 && code <= 90)
        ? Kind.Letters
        : code >= 48 && code <= 57
          ? Kind.Digits
          : code === 32 || code === 9 || code === 10 || code === 13
            ? Kind.Space
            : code < 128
              ? Kind.Punctuation
              : Kind.Other;
    if (next !== kind || next === Kind.Other) {
      close();
      // A space joins the next word; a line break (with its indentation) is about half a token.
      if (next === Kind.Space && (code === 10 || code === 13)) tenths += 5;
      kind = next;
    }
    if (next === Kind.Other) {
      // Non-Latin characters: about one token each; astral ones (emoji) two or more.
      if (code >= 0xd800 && code <= 0xdbff) {
        tenths += 20;
        i++;
      } else tenths += 10;
    } else run++;
  }
  close();
  return Math.ceil((tenths / 10) * ESTIMATE_MARGIN);
}

// Character classes of estimateTokens.
const Kind = { None: 0, Letters: 1, Digits: 2, Space: 3, Punctuation: 4, Other: 5 } as const;

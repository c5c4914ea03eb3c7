import type { LLM } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";
import type { AsyncQueue } from "./queue.js";

export interface TabooStore {
  target: string;
  /** Words the hinter may not use. */
  forbidden: string[];
  maxRounds: number;
  hints: string[];
  guesses: string[];
  /** Hinter → Guesser. */
  toGuesser: AsyncQueue<string>;
  /** Guesser → Hinter. */
  toHinter: AsyncQueue<string>;
  outcome?: "won" | "lost" | "abandoned";
}

type HinterInput = { end: NonNullable<TabooStore["outcome"]> } | { prompt: string; taboo: string[] };

/** Waits for the last guess, judges it, and gives the next hint, or ends the game. */
export class Hinter extends Node<TabooStore, HinterInput, string | undefined> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 3 });
  }
  override async prep(shared: TabooStore): Promise<HinterInput> {
    if (shared.hints.length > 0) {
      const guess = await shared.toHinter.take();
      if (guess === undefined) return { end: "abandoned" };
      if (sameWord(guess, shared.target)) return { end: "won" };
      if (shared.hints.length >= shared.maxRounds) return { end: "lost" };
    }
    const wrong = shared.guesses.length ? `\nWrong guesses so far: ${shared.guesses.join(", ")}.` : "";
    return {
      taboo: [shared.target, ...shared.forbidden],
      prompt: `We play Taboo. Give a one-sentence hint for the word "${shared.target}" without using these words: ${[shared.target, ...shared.forbidden].join(", ")}.${wrong}\nReply with the hint only.`,
    };
  }
  override async exec(input: HinterInput, ctx: NodeContext): Promise<string | undefined> {
    if ("end" in input) return undefined;
    const hint = (await this.llm.chat(input.prompt, { signal: ctx.signal, cache: false })).text.trim();
    // Models break the rules: a hint with a taboo word fails this attempt, and the node asks again.
    const words = new Set(hint.toLowerCase().match(/[\p{L}\p{N}]+/gu));
    const used = input.taboo.find((word) => words.has(word.toLowerCase()));
    if (used) throw new TabooWordError(used, hint);
    return hint;
  }
  override post(shared: TabooStore, input: HinterInput, hint: string | undefined): string {
    if ("end" in input) {
      shared.outcome = input.end;
      shared.toGuesser.close();
      return "end";
    }
    shared.hints.push(hint!);
    shared.toGuesser.push(hint!);
    return "hint";
  }
}

/** Waits for a hint and guesses a word, until the hinter closes the game. */
export class Guesser extends Node<TabooStore, string | undefined, string | undefined> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override async prep(shared: TabooStore): Promise<string | undefined> {
    const hint = await shared.toGuesser.take();
    if (hint === undefined) return undefined;
    const wrong = shared.guesses.length ? `\nThese guesses were wrong: ${shared.guesses.join(", ")}.` : "";
    return `We play Taboo. The hints so far:\n${shared.hints.map((h) => `- ${h}`).join("\n")}${wrong}\nGuess the word. Reply with one word only.`;
  }
  override async exec(prompt: string | undefined, ctx: NodeContext): Promise<string | undefined> {
    if (prompt === undefined) return undefined;
    const reply = (await this.llm.chat(prompt, { signal: ctx.signal })).text;
    return (
      reply
        .trim()
        .split(/\s+/)[0]
        ?.replace(/[^\p{L}\p{N}-]/gu, "") ?? ""
    );
  }
  override post(shared: TabooStore, _prompt: unknown, guess: string | undefined): string {
    if (guess === undefined) return "over";
    shared.guesses.push(guess);
    shared.toHinter.push(guess);
    return "guess";
  }
}

export function sameWord(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The hinter's model used a word it must not; after the node's retries, this ends the game. */
export class TabooWordError extends Error {
  override name = "TabooWordError";
  constructor(
    readonly word: string,
    readonly hint: string,
  ) {
    super(`The hint "${hint}" uses the taboo word "${word}", on every attempt. Try a stronger model.`);
  }
}

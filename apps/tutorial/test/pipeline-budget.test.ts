import { countTokens } from "@flowlet/llm";
import { describe, expect, it } from "vitest";
import { Tokens } from "../src/pipeline/budget.js";
import { filesPerGroup, promptTokens, replyTokens } from "../src/pipeline/limits.js";

// gpt-4o is counted exactly (o200k); an unknown model by @flowlet/llm's calibrated estimate.
for (const model of ["gpt-4o", "some-local-model"]) {
  describe(`token budget (${model})`, () => {
    const tokens = new Tokens(model);

    it("counts as the LLM layer counts", () => {
      const text = "export function add(a: number, b: number): number { return a + b; }";
      expect(tokens.count(text)).toBe(countTokens(text, model));
      expect(tokens.count("日本語のテキスト")).toBe(countTokens("日本語のテキスト", model));
    });

    it("truncates at a line break, within the limit, saying so", () => {
      const text = Array.from({ length: 200 }, (_, i) => `line ${i} of the file`).join("\n");
      const cut = tokens.truncate(text, 100);
      expect(tokens.count(cut)).toBeLessThanOrEqual(100);
      expect(cut).toMatch(/\nline \d+ of the file\n\[… truncated to fit the context budget: \d+ of \d+ characters shown\]$/);
      expect(tokens.truncate("short", 100)).toBe("short");
    });

    it("chunks text into pieces within the limit that join back to it, splitting an overlong line", () => {
      const text = `${"a1;".repeat(1000)}\n${Array.from({ length: 100 }, (_, i) => `línea ${i}`).join("\n")}`;
      const chunks = tokens.chunk(text, 50);
      expect(chunks.length).toBeGreaterThan(5);
      expect(chunks.join("")).toBe(text);
      for (const chunk of chunks) expect(tokens.count(chunk)).toBeLessThanOrEqual(50);
    });

    it("packs whole sections first, truncates the first that does not fit and names the rest", () => {
      const words = (w: string, n: number) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(" ");
      const sections = [words("x", 100), words("y", 1000), words("z", 100), words("w", 100)];
      const packed = tokens.pack(sections, 500);
      expect(tokens.count(packed)).toBeLessThanOrEqual(500);
      expect(packed.startsWith(sections[0]!)).toBe(true);
      expect(packed).toContain("truncated to fit the context budget");
      expect(packed).toContain("[… 2 more sections left out to fit the context budget]");
      expect(tokens.pack(["a", "b"], 100)).toBe("a\n\nb");
    });
  });
}

describe("reply budgets", () => {
  it("caps every reply by the model's output cap and half the window, and sizes summary groups by it", () => {
    const openai = { contextTokens: 128_000, maxOutputTokens: 16_384 };
    const anthropic = { contextTokens: 200_000, maxOutputTokens: 4096 };
    expect(replyTokens("chapter", openai, 10)).toBe(8192);
    expect(replyTokens("chapter", anthropic, 10)).toBe(4096);
    expect(replyTokens("identify", { contextTokens: 8192, maxOutputTokens: 8192 }, 10)).toBe(4096);
    // One summary per file: a group holds no more files than the reply can summarise.
    expect(filesPerGroup(openai, 10)).toBe(67);
    expect(filesPerGroup(anthropic, 10)).toBe(33);
    // The prompt gets what the reply and the re-ask reserve leave.
    expect(promptTokens("chapter", anthropic, 10, true)).toBe(200_000 - 4096 - 48);
    expect(promptTokens("summarize", openai, 10, true)).toBe(128_000 - 8192 - 1067 - 48);
  });
});

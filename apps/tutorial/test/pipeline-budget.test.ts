import { describe, expect, it } from "vitest";
import { chunkText, estimateTokens, packSections, promptBudget, truncateToTokens } from "../src/pipeline/budget.js";

describe("token budget", () => {
  it("estimates ASCII at 4 characters a token and other characters at 1 each", () => {
    expect(estimateTokens("abcdefgh")).toBe(2);
    expect(estimateTokens("日本語")).toBe(3);
    expect(estimateTokens("ab日本")).toBe(3);
  });

  it("keeps a quarter of the window, at most 8192 tokens, for the reply", () => {
    expect(promptBudget(2000)).toBe(1500);
    expect(promptBudget(1_000_000)).toBe(1_000_000 - 8192);
  });

  it("truncates at a line break, within the limit, saying so", () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} of the file`).join("\n");
    const cut = truncateToTokens(text, 100);
    expect(estimateTokens(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/\nline \d+ of the file\n\[… truncated to fit the context budget: \d+ of \d+ characters shown\]$/);
    expect(truncateToTokens("short", 100)).toBe("short");
  });

  it("chunks text into pieces within the limit that join back to it, splitting an overlong line", () => {
    const text = `${"a".repeat(1000)}\n${Array.from({ length: 100 }, (_, i) => `línea ${i}`).join("\n")}`;
    const chunks = chunkText(text, 50);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join("")).toBe(text);
    for (const chunk of chunks) expect(estimateTokens(chunk)).toBeLessThanOrEqual(50);
  });

  it("packs whole sections first, truncates the first that does not fit and names the rest", () => {
    const sections = ["x".repeat(400), "y".repeat(4000), "z".repeat(400), "w".repeat(400)];
    const packed = packSections(sections, 500);
    expect(estimateTokens(packed)).toBeLessThanOrEqual(500);
    expect(packed.startsWith("x".repeat(400))).toBe(true);
    expect(packed).toContain("truncated to fit the context budget");
    expect(packed).toContain("[… 2 more sections left out to fit the context budget]");
    expect(packSections(["a", "b"], 100)).toBe("a\n\nb");
  });
});

import { describe, expect, it } from "vitest";
import { diffJSON } from "../src/server/diff.js";
import { redact } from "../src/server/redact.js";

describe("diffJSON", () => {
  it("lists one change for a one-field change in a big store", () => {
    const big = { items: Array.from({ length: 1000 }, (_, i) => ({ i })), counter: 1 };
    expect(diffJSON(big, { ...big, counter: 2 })).toEqual([{ path: ["counter"], kind: "changed", before: 1, after: 2 }]);
  });
  it("tells added, removed and changed keys and array items apart", () => {
    expect(diffJSON({ a: 1, b: [1, 2], c: { d: "x" } }, { b: [1, 3, 4], c: { d: "x" }, e: null })).toEqual([
      { path: ["a"], kind: "removed", before: 1 },
      { path: ["b", 1], kind: "changed", before: 2, after: 3 },
      { path: ["b", 2], kind: "added", after: 4 },
      { path: ["e"], kind: "added", after: null },
    ]);
  });
});

describe("redact", () => {
  it("hides values under secret names and credential-shaped strings, and keeps token counts", () => {
    expect(
      redact({
        apiKey: "abc",
        headers: { Authorization: "Bearer abcdefghijkl", "x-api-key": "k" },
        note: "called with sk-proj-abcdefghijklmnop today",
        inputTokens: 12,
        tokens: 40,
        nested: [{ password: "hunter2" }],
      }),
    ).toEqual({
      apiKey: "[redacted]",
      headers: { Authorization: "[redacted]", "x-api-key": "[redacted]" },
      note: "called with [redacted] today",
      inputTokens: 12,
      tokens: 40,
      nested: [{ password: "[redacted]" }],
    });
  });
});

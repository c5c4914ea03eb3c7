import { describe, expect, it } from "vitest";
import { createProgress, formatDuration } from "../src/progress.js";

/** A writable stream stand-in that records what is written, as a terminal or a pipe would receive it. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 60, write: (chunk: string) => chunks.push(chunk) } };
}

describe("progress display", () => {
  it("on a TTY redraws one line in place, hides the cursor and restores it on stop", () => {
    let now = 0;
    const { chunks, stream } = capture(true);
    const progress = createProgress(stream, { now: () => now });
    progress.update({ stage: "write chapters", done: 1, total: 4, tokens: 12_345 });
    now = 65_000;
    progress.update({ stage: "write chapters", done: 2, total: 4, tokens: 20_000 });
    progress.log("GitHub rate limit reached: waiting 3 s.");
    progress.stop();
    const output = chunks.join("");
    expect(chunks[0]).toBe("\x1b[?25l");
    expect(output).toContain("\r\x1b[2K⠋ write chapters · 1/4 · 12,345 tokens · 0:00");
    expect(output).toContain("write chapters · 2/4 · 20,000 tokens · 1:05");
    expect(output).toContain("\r\x1b[2KGitHub rate limit reached: waiting 3 s.\n");
    expect(output.endsWith("\r\x1b[2K\x1b[?25h")).toBe(true);
    // Redraws never add lines: the only newline is the logged message's.
    expect(output.split("\n")).toHaveLength(2);
    // Nothing is drawn after stop.
    progress.update({ stage: "late" });
    expect(chunks.join("")).toBe(output);
  });

  it("cuts the live line to the terminal width", () => {
    const { chunks, stream } = capture(true);
    const progress = createProgress(stream, { now: () => 0 });
    progress.update({ stage: "x".repeat(200) });
    progress.stop();
    const line = chunks.find((chunk) => chunk.includes("xxx"))!.replace("\r\x1b[2K", "");
    expect([...line].length).toBeLessThanOrEqual(59);
    expect(line.endsWith("…")).toBe(true);
  });

  it("elsewhere prints plain lines: one per stage, message and completed count, throttled in between", () => {
    let now = 0;
    const { chunks, stream } = capture(false);
    const progress = createProgress(stream, { now: () => now });
    progress.update({ stage: "analyze", done: 1, total: 3 });
    progress.update({ stage: "analyze", done: 2, total: 3 });
    now = 1500;
    progress.update({ stage: "analyze", done: 3, total: 3 });
    progress.update({ stage: "write chapters", done: 1, total: 2, tokens: 900 });
    progress.update({ stage: "write chapters", done: 1, total: 2, message: "retrying" });
    progress.log("GitHub rate limit reached.");
    progress.stop();
    expect(chunks).toEqual([
      "[0:00] analyze · 1/3\n",
      "[0:01] analyze · 3/3\n",
      "[0:01] write chapters · 1/2 · 900 tokens\n",
      "[0:01] write chapters · 1/2 · 900 tokens · retrying\n",
      "GitHub rate limit reached.\n",
    ]);
    expect(chunks.join("")).not.toContain("\x1b");
  });

  it("formats durations as m:ss and h:mm:ss", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(61_999)).toBe("1:01");
    expect(formatDuration(3_725_000)).toBe("1:02:05");
  });
});

// countTokens: speed and accuracy against real tokenization, on prose, code, minified JS and hash-heavy JSON.
//   npx tsx packages/llm/bench/count-tokens.ts
// Prints one table (medians of 7 runs after a warm-up) for docs/llm.md.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { PLAIN_TEXT, countTokens, encoder, estimateTokens } from "../src/tokens.js";
// @ts-expect-error plain JS helper shared with tokenizer-choice.mjs
import { samples } from "./samples.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const corpora: Record<string, string> = {
  ...(samples(root) as Record<string, string>),
  "JSON (package-lock, hashes)": JSON.stringify(JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"))),
};

function median(run: () => void, times = 7): number {
  run();
  const all: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    run();
    all.push(performance.now() - start);
  }
  return all.sort((a, b) => a - b)[Math.floor(times / 2)] as number;
}

const o200k = encoder("o200k_base");
const cl100k = encoder("cl100k_base");
const rows: string[] = [];
rows.push(
  "| corpus | chars | o200k tokens | cl100k tokens | chars/4 ÷ o200k | estimate ÷ o200k | estimate ÷ cl100k | countTokens(gpt-4o) = o200k? | countTokens(gpt-4o) MB/s | estimate MB/s |",
);
rows.push("|---|---|---|---|---|---|---|---|---|---|");
// Warm both paths on every corpus first, so the first corpus is not timed before the JIT is done.
for (let round = 0; round < 3; round++) for (const text of Object.values(corpora)) estimateTokens(text) + countTokens(text, "gpt-4o");
let worst = Number.POSITIVE_INFINITY;
for (const [name, text] of Object.entries(corpora)) {
  const real = o200k.countTokens(text, PLAIN_TEXT);
  const realCl = cl100k.countTokens(text, PLAIN_TEXT);
  const estimate = estimateTokens(text);
  worst = Math.min(worst, estimate / Math.max(real, realCl));
  const mb = text.length / 1e6;
  const exactMs = median(() => countTokens(text, "gpt-4o"));
  const same = countTokens(text, "gpt-4o") === real ? "yes" : `off by ${countTokens(text, "gpt-4o") - real}`;
  const estimateMs = median(() => estimateTokens(text));
  rows.push(
    `| ${name} | ${text.length.toLocaleString("en")} | ${real.toLocaleString("en")} | ${realCl.toLocaleString("en")} | ${(text.length / 4 / real).toFixed(2)} | ` +
      `${(estimate / real).toFixed(2)} | ${(estimate / realCl).toFixed(2)} | ${same} | ${(mb / (exactMs / 1000)).toFixed(1)} | ${(mb / (estimateMs / 1000)).toFixed(0)} |`,
  );
}
console.log(`countTokens benchmark, ${new Date().toISOString()}, Node ${process.version}, ${process.platform} ${process.arch}`);
console.log(rows.join("\n"));
console.log(
  `\nLowest estimate ÷ real (higher of o200k and cl100k): ${worst.toFixed(2)} (≥ 1.00 means the estimate never undercounts these corpora).`,
);

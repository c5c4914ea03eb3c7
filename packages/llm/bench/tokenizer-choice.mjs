// One tokenizer, o200k, in this fresh process: load time, heap, and speed on the three corpora.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { samples } from "./samples.mjs";

const [dir, which] = process.argv.slice(2);
const started = performance.now();
let count;
if (which === "gpt-tokenizer") {
  const encoding = await import(join(dir, "gpt-tokenizer/node_modules/gpt-tokenizer/esm/encoding/o200k_base.js"));
  count = (text) => encoding.countTokens(text, { disallowedSpecial: new Set() });
} else {
  const base = join(dir, "js-tiktoken/node_modules/js-tiktoken/dist");
  const { Tiktoken } = await import(join(base, "lite.js"));
  const ranks = (await import(join(base, "ranks/o200k_base.js"))).default;
  const encoding = new Tiktoken(ranks);
  count = (text) => encoding.encode(text, [], []).length;
}
count("warm up");
const loadMs = performance.now() - started;
const root = join(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const parts = [];
for (const [name, text] of Object.entries(samples(root))) {
  count(text);
  const times = [];
  let tokens = 0;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    tokens = count(text);
    times.push(performance.now() - start);
  }
  const ms = times.sort((a, b) => a - b)[2];
  parts.push(`${name} ${tokens} tokens ${(text.length / 1e6 / (ms / 1000)).toFixed(2)} MB/s`);
}
globalThis.gc?.();
console.log(
  `${which}: load+first count ${loadMs.toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB; ${parts.join("; ")}`,
);

// Counts the core's lines: `node scripts/core-lines.mjs`. Prints, per file of packages/flowlet/src
// and in total, all lines and the lines of code (neither blank nor only a comment).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const src = new URL("../packages/flowlet/src/", import.meta.url);
const files = readdirSync(src)
  .filter((f) => f.endsWith(".ts"))
  .sort();
let all = 0;
let code = 0;
for (const file of files) {
  const lines = readFileSync(join(src.pathname, file), "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  let inBlock = false;
  let own = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes("*/")) inBlock = false;
      continue;
    }
    if (line === "" || line.startsWith("//")) continue;
    if (line.startsWith("/*")) {
      inBlock = !line.includes("*/");
      continue;
    }
    own++;
  }
  all += lines.length;
  code += own;
  console.log(`${file.padEnd(16)} ${String(lines.length).padStart(5)} lines ${String(own).padStart(5)} code`);
}
console.log(`${"total".padEnd(16)} ${String(all).padStart(5)} lines ${String(code).padStart(5)} code (${files.length} files)`);

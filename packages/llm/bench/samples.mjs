// The three corpora both token benchmarks use: prose (this repository's docs), code (its TypeScript
// sources) and minified JS (esbuild's minified bundle of @flowlet/llm with `yaml` inside).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function files(dir, ext, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, ext, out);
    else if (name.endsWith(ext)) out.push(path);
  }
  return out.sort();
}

export function samples(root) {
  const prose = files(join(root, "docs"), ".md")
    .map((file) => readFileSync(file, "utf8"))
    .join("\n\n");
  const code = ["packages/flowlet/src", "packages/llm/src"]
    .flatMap((dir) => files(join(root, dir), ".ts"))
    .map((file) => readFileSync(file, "utf8"))
    .join("\n\n");
  const esbuild = join(root, "node_modules/.bin/esbuild");
  const minified = execFileSync(
    esbuild,
    [join(root, "packages/llm/src/index.ts"), "--bundle", "--minify", "--format=esm", "--platform=node", "--log-level=error"],
    {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    },
  );
  return { prose, code, "minified JS": minified };
}

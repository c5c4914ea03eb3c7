import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BENCH_DIR } from "./footprint.js";
import { setting, table } from "./report.js";
import { FULL, SMOKE, runSuite } from "./suite.js";

const smoke = process.argv.includes("--smoke");
// `--only W1,W2` runs just those workloads (side by side as ever), and keeps latest.json as it is.
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : (process.argv[onlyAt + 1] ?? "").split(",");
const results = await runSuite(smoke ? SMOKE : FULL, (line) => process.stderr.write(`${line}\n`), only);
console.log(`${setting(results)}\n\n${table(results)}`);
// A smoke run only shows that everything runs; its numbers are not worth keeping.
if (!smoke && !only) {
  const out = join(BENCH_DIR, "results", "latest.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWritten to ${out}`);
}

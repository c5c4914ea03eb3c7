// Sets one version on every workspace package, and on every reference one workspace makes to
// another (they pin each other exactly), so a release moves all packages together.
// Usage: node scripts/version.mjs 0.2.0
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const version = process.argv[2];
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) {
  console.error("usage: node scripts/version.mjs <major.minor.patch[-pre]>");
  process.exit(2);
}
const root = JSON.parse(readFileSync("package.json", "utf8"));
const dirs = [...root.workspaces, "bench"];
const manifests = new Map(dirs.map((dir) => [dir, JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))]));
const names = new Set([...manifests.values()].map((m) => m.name));
for (const [dir, manifest] of manifests) {
  manifest.version = version;
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    for (const name of Object.keys(manifest[field] ?? {})) if (names.has(name)) manifest[field][name] = version;
  }
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`${manifest.name}@${version}`);
}

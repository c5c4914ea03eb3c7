// prepack/postpack for every published package: the tarball's package.json drops the
// workspace-only "@flowlet/source" export condition (it points at src/, which is not shipped).
// Usage (from a package's directory): node ../../scripts/pack-manifest.mjs strip | restore
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const BACKUP = "package.json.workspace";
const [mode] = process.argv.slice(2);

if (mode === "strip") {
  if (existsSync(BACKUP)) throw new Error(`${BACKUP} exists: a pack was interrupted. Move it back to package.json, then pack again.`);
  const text = readFileSync("package.json", "utf8");
  const manifest = JSON.parse(text);
  manifest.exports = withoutSource(manifest.exports);
  writeFileSync(BACKUP, text);
  writeFileSync("package.json", `${JSON.stringify(manifest, null, 2)}\n`);
} else if (mode === "restore") {
  if (existsSync(BACKUP)) renameSync(BACKUP, "package.json");
} else {
  throw new Error("usage: pack-manifest.mjs strip | restore");
}

function withoutSource(value) {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "@flowlet/source")
      .map(([key, v]) => [key, withoutSource(v)]),
  );
}

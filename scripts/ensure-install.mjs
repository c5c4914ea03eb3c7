// `npm ci` in a folder that is its own project (not a workspace), only when its node_modules is
// missing or was installed from another package-lock.json. Keeps tools that only some commands need
// (Studio's Mermaid, Biome) out of the workspace install, at the cost of one install on first use.
// Usage: node scripts/ensure-install.mjs <folder>     (also importable: ensureInstall(folder))
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

/** Written after a successful `npm ci`: the hash of the lockfile it installed. */
const STAMP = ".installed-lock.sha256";

/** Installs `folder`'s package-lock.json into `folder/node_modules` unless it is already there. Returns whether it installed. */
export function ensureInstall(folder) {
  const lock = join(folder, "package-lock.json");
  if (!existsSync(lock)) throw new Error(`${lock} is missing: this folder must be a project with its own lockfile.`);
  const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
  const stamp = join(folder, "node_modules", STAMP);
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) return false;
  const shown = relative(process.cwd(), folder) || ".";
  // Loud on purpose: this is a one-time install of a few hundred MB, and the user should know where it went.
  process.stderr.write(`npm ci --prefix ${shown} (first use, or its package-lock.json changed)\n`);
  const npm = spawnSync("npm", ["ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: ["ignore", "ignore", "inherit"],
    shell: process.platform === "win32",
  });
  if (npm.status !== 0) throw new Error(`npm ci --prefix ${shown} failed (exit ${npm.status ?? npm.signal}): see npm's message above.`);
  writeFileSync(stamp, `${want}\n`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [folder] = process.argv.slice(2);
  if (!folder) throw new Error("usage: node scripts/ensure-install.mjs <folder>");
  ensureInstall(folder);
}

// Runs Biome from tools/, its own project (not a workspace), installing it there on first use: Biome
// is ~97 MB that neither the build nor the tests need, so the workspace install leaves it out.
// Usage: node scripts/biome.mjs <lint | format> [biome options] [paths]   (paths default to ".")
// `npm run lint`, `npm run format:check` and `npm run format -- <files>` call this.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureInstall } from "./ensure-install.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const tools = join(repo, "tools");
const [command, ...rest] = process.argv.slice(2);
if (command !== "lint" && command !== "format") throw new Error("usage: node scripts/biome.mjs <lint | format> [options] [paths]");
ensureInstall(tools);
const paths = rest.some((arg) => !arg.startsWith("-")) ? [] : ["."];
const biome = join(tools, "node_modules", "@biomejs", "biome", "bin", "biome");
const run = spawnSync(process.execPath, [biome, command, ...rest, ...paths], { stdio: "inherit" });
process.exitCode = run.status ?? 1;

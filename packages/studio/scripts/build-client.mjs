// Bundles the browser UI (and Mermaid) into dist/client, so users install no build tools and the
// page loads nothing from a CDN. Mermaid (~200 MB with its dependencies) is not in the workspace
// install: it lives in ../client, its own project with its own lockfile, installed on first build.
//
// Usage: node scripts/build-client.mjs [--if-stale] [outdir]
//   --if-stale  do nothing when outdir holds a build of the same sources and lockfile
//               (`npm run build:client -w @flowlet/studio`, prepack and the browser tests use this)
// Also importable: `buildClient({ outdir, ifStale })`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureInstall } from "../../../scripts/ensure-install.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "client");
const deps = join(root, "client");
/** In the build's folder: the hash of what it was built from. Not published (see `files`). */
const STAMP = ".inputs.sha256";

/** A hash of everything the build depends on: the client's sources, Mermaid's lockfile, the client's tsconfig and this script. */
async function inputsHash() {
  const files = (await readdir(source, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  files.push(join(deps, "package-lock.json"), join(deps, "tsconfig.json"), fileURLToPath(import.meta.url));
  const hash = createHash("sha256");
  for (const file of files.sort()) hash.update(`${relative(root, file)}\0`).update(await readFile(file));
  return hash.digest("hex");
}

/**
 * Runs `build` holding a lock, so that builds started at once (test files run in parallel) do not
 * install or write over each other: the later ones wait, then find the build fresh.
 */
async function locked(build) {
  const lock = join(deps, ".build.lock");
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A build killed mid-way leaves its lock behind: after 15 minutes it counts as abandoned.
      const since = await stat(lock).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      );
      if (Date.now() - since > 15 * 60_000) await rm(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Builds the UI into `outdir`; with `ifStale`, only when it is missing or was built from other inputs. Returns whether it built. */
export function buildClient({ outdir = join(root, "dist", "client"), ifStale = false } = {}) {
  return locked(() => bundle(outdir, ifStale));
}

async function bundle(outdir, ifStale) {
  const want = await inputsHash();
  if (ifStale && (await readFile(join(outdir, STAMP), "utf8").catch(() => "")).trim() === want) return false;
  ensureInstall(deps);
  typecheck(); // before the old build is removed: a type error leaves it in place
  // Imported here, not at the top: a fresh build's check (prepack in a copy of the package) needs no esbuild.
  const { build } = await import("esbuild");
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(source, "main.ts")],
    bundle: true,
    nodePaths: [join(deps, "node_modules")], // where `import("mermaid")` resolves
    splitting: true, // Mermaid loads each diagram kind on demand: only the flowchart chunks are fetched
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    outdir,
    entryNames: "app",
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    logLevel: "warning",
  });
  await copyFile(join(source, "index.html"), join(outdir, "index.html"));
  await copyFile(join(source, "style.css"), join(outdir, "style.css"));
  await writeFile(join(outdir, STAMP), `${want}\n`);
  return true;
}

/**
 * esbuild does not type-check, and the workspace's `tsc` sees src/client/mermaid.d.ts instead of
 * Mermaid (not installed there): check the client against Mermaid's own types.
 */
function typecheck() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(deps, "tsconfig.json")], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`Studio's client does not type-check against Mermaid's types:\n${run.stdout}${run.stderr}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const outdir = args.find((a) => !a.startsWith("--"));
  await buildClient({ outdir, ifStale: args.includes("--if-stale") });
}

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "./measure.js";

export const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPO_DIR = join(BENCH_DIR, "..");
const FLOWLET_DIR = join(REPO_DIR, "packages", "flowlet");

/** Bytes of every file under `dir`, leaving out nested node_modules (counted as packages of their own). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") total += dirBytes(path);
    } else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Where Node would find package `name` from `fromDir`: the nearest node_modules/name upward. */
export function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

/** The installed version of `name`, as its package.json says. */
export function installedVersion(name: string): string | undefined {
  const dir = packageDir(name, BENCH_DIR);
  return dir ? manifest(dir).version : undefined;
}

export interface Installed {
  bytes: number;
  packages: number;
  /** Required dependencies that are not installed (the size is then a lower bound). */
  missing: string[];
}

/**
 * A package's installed size with its whole runtime dependency closure: dependencies, installed
 * optional ones, and peers that are not marked optional (LangGraph needs @langchain/core).
 */
export function installedSize(name: string): Installed {
  const seen = new Set<string>();
  const missing: string[] = [];
  let bytes = 0;
  const queue: Array<[string, string]> = [[name, BENCH_DIR]];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [dep, from] = next;
    const dir = packageDir(dep, from);
    if (!dir) {
      missing.push(dep);
      continue;
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    bytes += dirBytes(dir);
    const m = manifest(dir);
    const optionalPeers = m.peerDependenciesMeta ?? {};
    for (const d of Object.keys(m.dependencies ?? {})) queue.push([d, dir]);
    for (const d of Object.keys(m.peerDependencies ?? {})) if (!optionalPeers[d]?.optional) queue.push([d, dir]);
    for (const d of Object.keys(m.optionalDependencies ?? {})) if (packageDir(d, dir)) queue.push([d, dir]);
  }
  return { bytes, packages: seen.size, missing };
}

/**
 * Builds the flowlet core from source with its own build config into a temp folder named by the
 * sources' hash, so the numbers describe the current source, not a stale dist.
 */
export function buildFlowlet(): string {
  const src = join(FLOWLET_DIR, "src");
  const hash = createHash("sha256");
  for (const file of readdirSync(src, { recursive: true }).map(String).sort()) {
    const path = join(src, file);
    if (statSync(path).isFile()) hash.update(file).update(readFileSync(path));
  }
  const outDir = join(tmpdir(), `flowlet-bench-build-${hash.digest("hex").slice(0, 16)}`);
  if (!existsSync(join(outDir, "flowlet.js"))) {
    // The package's own build: tsc, then esbuild bundling dist into the one file its exports name.
    const require = createRequire(import.meta.url);
    const tsc = require.resolve("typescript/bin/tsc");
    const config = join(FLOWLET_DIR, "tsconfig.build.json");
    // tsc emits even with type errors elsewhere; only a missing output means no build.
    const built = spawnSync(process.execPath, [tsc, "-p", config, "--outDir", outDir], { encoding: "utf8" });
    const esbuild = join(dirname(require.resolve("esbuild/package.json")), "bin", "esbuild");
    const bundle = [join(outDir, "index.js"), "--bundle", "--format=esm", "--platform=neutral", `--outfile=${join(outDir, "flowlet.js")}`];
    const bundled = spawnSync(esbuild, bundle, { encoding: "utf8" });
    if (!existsSync(join(outDir, "flowlet.js")))
      throw new Error(`building flowlet failed:\n${built.stdout}${built.stderr}${bundled.stderr}`);
  }
  return outDir;
}

/** What `npm install flowlet` would put on disk: its package.json `files` (dist, src) and the manifest. */
export function flowletInstalledSize(dist: string): Installed {
  const bytes = dirBytes(dist) + dirBytes(join(FLOWLET_DIR, "src")) + statSync(join(FLOWLET_DIR, "package.json")).size;
  return { bytes, packages: 1, missing: [] };
}

export interface ColdImport {
  /** Median of `node -e "import(X)"` minus median of `node -e 0`, in ms. */
  ms: number;
  samples: number[];
}

/**
 * Cold import time of each specifier: fresh processes, interleaved so load on the machine hits
 * every target alike, with the cost of starting node itself subtracted.
 */
export function coldImports(specifiers: Record<string, string>, repeats: number): { node: number[]; imports: Record<string, ColdImport> } {
  const spawnMs = (code: string) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, ["-e", code], { cwd: BENCH_DIR, encoding: "utf8" });
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`node -e ${JSON.stringify(code)} failed:\n${result.stderr}`);
    return ms;
  };
  const node: number[] = [];
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(specifiers).map((k) => [k, []]));
  for (let r = 0; r < repeats; r++) {
    node.push(spawnMs("0"));
    for (const [label, spec] of Object.entries(specifiers)) samples[label]!.push(spawnMs(`import(${JSON.stringify(spec)})`));
  }
  const base = median(node);
  const imports = Object.fromEntries(Object.entries(samples).map(([label, s]) => [label, { ms: median(s) - base, samples: s }]));
  return { node, imports };
}

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

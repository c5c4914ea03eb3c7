import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

export interface Workspace {
  dir: string;
  manifest: Manifest;
}

export interface Packed extends Workspace {
  tarball: string;
  files: string[];
  /** The package.json inside the tarball. */
  published: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(REPO, dir, "package.json"), "utf8")) as Manifest;
}

/** Every workspace that is published: the root's `workspaces`, minus the private ones. */
export function publishable(): Workspace[] {
  const { workspaces = [] } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { workspaces?: string[] };
  return workspaces.map((dir) => ({ dir, manifest: readManifest(dir) })).filter((w) => !w.manifest.private);
}

/** A scratch directory outside the repository, so nothing resolves through the workspace. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a command to completion without blocking the test worker; throws with its output if it fails. */
export function run(command: string, args: string[], cwd: string, extra: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...extra.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`\`${command} ${args.join(" ")}\` in ${cwd} exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return time;
}

/**
 * Builds the packages whose src is newer than their dist, so the tarballs match the code under test,
 * and Studio's browser UI (`build:client`, which rebuilds only what changed; its first run installs Mermaid).
 */
export async function buildIfStale(workspaces: Workspace[]): Promise<void> {
  const stale = workspaces.filter((w) => w.manifest.scripts?.build && newest(join(REPO, w.dir, "src")) > newest(join(REPO, w.dir, "dist")));
  for (const w of stale) await run("npm", ["run", "build", "--silent"], join(REPO, w.dir));
  for (const w of workspaces.filter((w) => w.manifest.scripts?.["build:client"])) {
    await run("npm", ["run", "build:client", "--silent"], join(REPO, w.dir));
  }
}

/**
 * Packs every workspace with `npm pack`, as a release would (its prepack and postpack run), from a
 * copy of the repository's packages so that the working tree is never touched during a test run.
 */
export async function packAll(workspaces: Workspace[], into: string): Promise<Packed[]> {
  const mirror = join(into, "mirror");
  mkdirSync(join(mirror, "scripts"), { recursive: true });
  // What prepack scripts import from the root's scripts/.
  for (const file of ["pack-manifest.mjs", "ensure-install.mjs"]) copyFileSync(join(REPO, "scripts", file), join(mirror, "scripts", file));
  for (const w of workspaces) {
    cpSync(join(REPO, w.dir), join(mirror, w.dir), { recursive: true, filter: (path) => !path.includes("node_modules") });
  }
  const out = join(into, "tarballs");
  mkdirSync(out);
  const json = await run("npm", ["pack", "--json", "--pack-destination", out, ...workspaces.map((w) => `./${w.dir}`)], mirror);
  const reports = JSON.parse(json) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
  return workspaces.map((w) => {
    const report = reports.find((r) => r.name === w.manifest.name);
    if (!report) throw new Error(`npm pack did not report ${w.manifest.name}`);
    const tarball = join(out, report.filename);
    const published = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Manifest;
    return { ...w, tarball, files: report.files.map((f) => f.path).sort(), published };
  });
}

/** `import` specifiers a user can write for a package: "name" and "name/sub", not "./package.json". */
export function specifiers(manifest: Manifest): string[] {
  return Object.keys(manifest.exports ?? {})
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/**
 * A project that installs every tarball, as a user would from the registry. Scripts are skipped:
 * better-sqlite3 would otherwise compile SQLite for minutes; its addon is copied from the
 * repository's own build of the same version instead (rebuilt if the versions differ).
 */
export async function consumer(packed: Packed[], dir: string): Promise<string> {
  const project = join(dir, "consumer");
  mkdirSync(project);
  const typesNode = readManifest("node_modules/@types/node").version;
  const dependencies = Object.fromEntries(packed.map((p) => [p.manifest.name, `file:${p.tarball}`]));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      { name: "consumer", private: true, type: "module", dependencies, devDependencies: { "@types/node": typesNode } },
      null,
      2,
    ),
  );
  await run("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project);
  await provideSqliteAddon(project);
  return project;
}

async function provideSqliteAddon(project: string): Promise<void> {
  const installed = join(project, "node_modules", "better-sqlite3");
  if (!existsSync(installed)) return;
  const ours = join(REPO, "node_modules", "better-sqlite3");
  const addon = join("build", "Release", "better_sqlite3.node");
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest).version;
  if (existsSync(join(ours, addon)) && version(ours) === version(installed)) {
    mkdirSync(join(installed, "build", "Release"), { recursive: true });
    copyFileSync(join(ours, addon), join(installed, addon));
  } else {
    await run("npm", ["rebuild", "better-sqlite3", "--foreground-scripts=false"], project);
  }
}

import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { decodeText, hasBinaryExtension } from "./decode.js";
import { DirectoryNotFoundError } from "./errors.js";
import { GitignoreRules } from "./gitignore.js";
import type { FileSelector } from "./select.js";
import type { SourceFile } from "./types.js";

/** Why a file that passed the globs was still left out. */
export type SkipReason = "binary" | "too-large" | "outside-root" | "symlink-loop" | "unreadable";

/** A file left out, and why (shown by --dry-run and in the run summary). */
export type SkippedFile = { path: string; reason: SkipReason; size?: number };

/**
 * What a source produced: the files to explain and the ones skipped, and the usage files (tests,
 * examples) read for `companions`.
 */
export type Collected = { files: SourceFile[]; skipped: SkippedFile[]; companions?: SourceFile[] };

/** Most usage files read: they illustrate, so a few hundred are plenty. */
export const MAX_COMPANIONS = 300;

/**
 * How files are chosen. `companions` selects files the selector leaves out that show the code in
 * use (tests, examples): they are read into `companions`, never into `files`.
 */
export type ReadOptions = { selector: FileSelector; maxSize: number; signal?: AbortSignal; companions?: FileSelector };

/**
 * Reads the selected text files under `root`, never leaving it: a symlink whose target lies outside
 * the root is skipped, a folder reached twice (a symlink loop) is read once, `.gitignore` files apply
 * at every level, files over `maxSize` bytes are skipped from their size alone, and binary files are
 * skipped. The walk is iterative, so depth is limited only by the file system.
 */
export async function readLocalDirectory(root: string, options: ReadOptions): Promise<Collected> {
  const { selector, maxSize, signal, companions } = options;
  const rootReal = await checkDirectory(root);
  const inside = (real: string) => real === rootReal || real.startsWith(rootReal + sep);
  const gitignore = new GitignoreRules();
  const visited = new Set([rootReal]);
  const files: SourceFile[] = [];
  const usage: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  // `main`: the folder may hold files to explain; `companion`: it may hold usage files.
  const pending: { folder: string; main: boolean; companion: boolean }[] = [
    { folder: "", main: true, companion: companions !== undefined },
  ];

  while (pending.length > 0) {
    signal?.throwIfAborted();
    const { folder, main, companion } = pending.pop()!;
    const absoluteFolder = join(rootReal, folder);
    const entries = await readdir(absoluteFolder, { withFileTypes: true }).catch(() => {
      skipped.push({ path: folder, reason: "unreadable" });
      return [];
    });
    if (entries.some((entry) => entry.name === ".gitignore" && entry.isFile())) {
      gitignore.add(folder, await readFile(join(absoluteFolder, ".gitignore"), "utf8").catch(() => ""));
    }
    const subfolders: { folder: string; main: boolean; companion: boolean }[] = [];
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = folder ? `${folder}/${entry.name}` : entry.name;
      const absolute = join(absoluteFolder, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        // Resolving fails for dangling links and for links that point at themselves (ELOOP).
        const target = await realpath(absolute).catch(() => undefined);
        if (target === undefined) {
          skipped.push({ path, reason: "symlink-loop" });
          continue;
        }
        if (!inside(target)) {
          skipped.push({ path, reason: "outside-root" });
          continue;
        }
        const info = await stat(target);
        isDirectory = info.isDirectory();
        isFile = info.isFile();
        if (isDirectory) {
          if (visited.has(target)) {
            skipped.push({ path, reason: "symlink-loop" });
            continue;
          }
          visited.add(target);
        }
      }
      if (isDirectory) {
        if (gitignore.ignores(path, true)) continue;
        const inMain = main && !selector.excludesDirectory(path);
        const inCompanion = companion && companions !== undefined && !companions.excludesDirectory(path);
        if (inMain || inCompanion) subfolders.push({ folder: path, main: inMain, companion: inCompanion });
      } else if (isFile && main && selector.selectsFile(path) && !gitignore.ignores(path, false)) {
        const result = await readSelected(absolute, path, maxSize);
        if ("content" in result) files.push(result);
        else skipped.push(result);
      } else if (isFile && companion && usage.length < MAX_COMPANIONS && companions?.selectsFile(path) && !gitignore.ignores(path, false)) {
        const result = await readSelected(absolute, path, maxSize);
        if ("content" in result) usage.push(result);
      }
    }
    // Reversed so the stack pops folders in name order: the output is deterministic.
    pending.push(...subfolders.reverse());
  }
  const byPath = (a: SourceFile, b: SourceFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { files: files.sort(byPath), skipped, ...(companions && { companions: usage.sort(byPath) }) };
}

/** The real path of `folder`, or {@link DirectoryNotFoundError} when it is not an existing directory. */
export async function checkDirectory(folder: string): Promise<string> {
  try {
    const real = await realpath(folder);
    if ((await stat(real)).isDirectory()) return real;
  } catch {}
  throw new DirectoryNotFoundError(folder);
}

async function readSelected(absolute: string, path: string, maxSize: number): Promise<SourceFile | SkippedFile> {
  if (hasBinaryExtension(path)) return { path, reason: "binary" };
  try {
    const { size } = await stat(absolute);
    if (size > maxSize) return { path, reason: "too-large", size };
    const content = decodeText(await readFile(absolute));
    return content === undefined ? { path, reason: "binary" } : { path, content };
  } catch {
    return { path, reason: "unreadable" };
  }
}

import { basename, resolve } from "node:path";
import { InvalidRepositoryUrlError, NoFilesError } from "./errors.js";
import { readClonedRepository, redact } from "./git.js";
import { type GitHubOptions, parseGitHubUrl, readGitHubRepository } from "./github.js";
import { type Collected, type ReadOptions, readLocalDirectory } from "./local.js";

export type { SourceFile } from "./types.js";
export { FileSelector, DEFAULT_INCLUDE, DEFAULT_EXCLUDE, USAGE_PATTERNS, usageSelector } from "./select.js";
export { GitignoreRules } from "./gitignore.js";
export { decodeText, hasBinaryExtension } from "./decode.js";
export { readLocalDirectory, checkDirectory, type Collected, type SkippedFile, type SkipReason, type ReadOptions } from "./local.js";
export { readGitHubRepository, parseGitHubUrl, DEFAULT_GITHUB_API_URL, type GitHubOptions, type GitHubLocation } from "./github.js";
export { readClonedRepository, redact } from "./git.js";
export * from "./errors.js";

/** Where the files come from: a local folder, or a repository URL. */
export type SourceSpec = { dir: string } | { repo: string };

/** A loaded project: its name, the files to explain, and a link to it when it has one. */
export type LoadedSource = Collected & { projectName: string; sourceUrl?: string; description: string };

/**
 * Loads the files to explain from a folder, a GitHub URL (REST API) or any other git URL (shallow
 * clone). Throws {@link NoFilesError} when the selection is empty.
 */
export async function loadSource(
  spec: SourceSpec,
  options: ReadOptions & Pick<GitHubOptions, "token" | "onStatus" | "apiUrl" | "maxWaitMs">,
): Promise<LoadedSource> {
  let loaded: LoadedSource;
  if ("dir" in spec) {
    const folder = resolve(spec.dir);
    loaded = { ...(await readLocalDirectory(folder, options)), projectName: basename(folder) || "project", description: folder };
  } else {
    const url = spec.repo.trim();
    const github = parseGitHubUrl(url);
    if (github) {
      const result = await readGitHubRepository(github, options);
      const sourceUrl = `https://github.com/${github.owner}/${github.repo}/tree/${result.ref}${result.subdir ? `/${result.subdir}` : ""}`;
      loaded = { ...result, projectName: github.repo, sourceUrl, description: sourceUrl };
    } else if (/^(?:[a-z][\w+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i.test(url)) {
      const name = basename(url.replace(/[/:]+$/, "").replace(/^.*:/, "")).replace(/\.git$/, "") || "repository";
      const safeUrl = redact(url);
      loaded = { ...(await readClonedRepository(url, options)), projectName: name, sourceUrl: safeUrl, description: safeUrl };
    } else {
      throw new InvalidRepositoryUrlError(url);
    }
  }
  if (loaded.files.length === 0) throw new NoFilesError(loaded.skipped.length);
  return loaded;
}

import { setTimeout as sleep } from "node:timers/promises";
import { decodeText, hasBinaryExtension } from "./decode.js";
import { GitHubError, GitHubRateLimitError, GitHubUnreachableError } from "./errors.js";
import { GitignoreRules } from "./gitignore.js";
import type { Collected, ReadOptions, SkippedFile } from "./local.js";
import type { SourceFile } from "./types.js";

/** Where the GitHub REST API lives unless `FLOWLET_GITHUB_API_URL` says otherwise (GitHub Enterprise, tests). */
export const DEFAULT_GITHUB_API_URL = "https://api.github.com";

/** A repository named by a github.com web URL. `refAndPath` holds what follows `/tree/`, split on `/`. */
export type GitHubLocation = { owner: string; repo: string; refAndPath: string[] };

/**
 * Parses `https://github.com/owner/repo` and `https://github.com/owner/repo/tree/<ref>/<dir>`.
 * Returns `undefined` for anything else, `.git` URLs included: those are cloned with git.
 */
export function parseGitHubUrl(url: string): GitHubLocation | undefined {
  const match = /^https?:\/\/(?:www\.)?github\.com\/([\w.-]+)\/([\w.-]+?)\/?(?:\/tree\/(.+?))?\/?$/.exec(url.trim());
  if (!match || match[2]!.endsWith(".git")) return undefined;
  const refAndPath = match[3] ? match[3].split("/").map((part) => decodeURIComponent(part)) : [];
  return { owner: match[1]!, repo: match[2]!, refAndPath };
}

/** How to reach GitHub. The token is sent as a header and never printed, stored, or put in errors. */
export type GitHubOptions = ReadOptions & {
  token?: string;
  apiUrl?: string;
  /** The longest rate-limit wait accepted before giving up with {@link GitHubRateLimitError}. Default 10 minutes. */
  maxWaitMs?: number;
  /** Status lines for the user, such as "waiting for the rate limit". */
  onStatus?: (message: string) => void;
  concurrency?: number;
};

type TreeEntry = { path: string; mode: string; type: string; sha: string; size?: number };

/** Git's mode for a symbolic link: its blob holds the target's path, not the file. */
const SYMLINK_MODE = "120000";

/**
 * Reads the selected files of a GitHub repository (or one folder of it) through the REST API: one
 * recursive git-tree request lists everything with sizes, so oversized and binary files are skipped
 * without downloading them, then each selected blob is fetched. `.gitignore` files in the tree apply.
 * On a rate-limit answer (403/429 with `X-RateLimit-Remaining: 0` or `Retry-After`) it waits until
 * the reset, up to `maxWaitMs`, saying so through `onStatus`.
 */
export async function readGitHubRepository(
  location: GitHubLocation,
  options: GitHubOptions,
): Promise<Collected & { ref: string; subdir: string }> {
  const { owner, repo } = location;
  const api = createClient(options);
  const repoPath = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;

  let ref: string | undefined;
  let subdir = "";
  let tree: { tree: TreeEntry[]; truncated?: boolean } | undefined;
  if (location.refAndPath.length === 0) {
    const info = (await api.get(repoPath, `repository ${owner}/${repo}`)) as { default_branch: string };
    ref = info.default_branch;
    tree = (await api.get(`${repoPath}/git/trees/${encodeURIComponent(ref)}?recursive=1`, `branch ${ref}`)) as typeof tree;
  } else {
    // Branch names may contain slashes, so /tree/a/b/c is tried as ref "a", then "a/b", then "a/b/c".
    for (let i = 1; i <= location.refAndPath.length && tree === undefined; i++) {
      const candidate = location.refAndPath.slice(0, i).join("/");
      tree = (await api.get(`${repoPath}/git/trees/${encodeURIComponent(candidate)}?recursive=1`, `ref ${candidate}`, true)) as typeof tree;
      if (tree !== undefined) {
        ref = candidate;
        subdir = location.refAndPath.slice(i).join("/");
      }
    }
    if (tree === undefined || ref === undefined) {
      throw new GitHubError(
        404,
        `No branch, tag or commit of ${owner}/${repo} matches "${location.refAndPath.join("/")}". Check the URL (private repositories need --token).`,
      );
    }
  }
  if (tree!.truncated)
    options.onStatus?.(
      "GitHub truncated the file list of this very large repository: some files are missing. Clone it and use --dir for all of them.",
    );

  const prefix = subdir ? `${subdir}/` : "";
  const blobs = tree!.tree.filter((entry) => entry.type === "blob" && entry.mode !== SYMLINK_MODE && entry.path.startsWith(prefix));
  // The .gitignore files that apply: those inside the folder read, and those of the folders above it.
  const gitignore = new GitignoreRules();
  const folderOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf("/")));
  const applies = (folder: string) => folder === "" || `${folder}/`.startsWith(prefix) || prefix.startsWith(`${folder}/`);
  await pool(
    tree!.tree.filter((entry) => entry.type === "blob" && /(^|\/)\.gitignore$/.test(entry.path) && applies(folderOf(entry.path))),
    options.concurrency ?? 8,
    async (entry) => gitignore.add(folderOf(entry.path), decodeText(await api.blob(repoPath, entry.sha)) ?? ""),
  );

  const files: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  const wanted = blobs.filter((entry) => {
    const path = entry.path.slice(prefix.length);
    if (!options.selector.selectsPath(path) || gitignore.ignoresPath(entry.path)) return false;
    if (hasBinaryExtension(path)) skipped.push({ path, reason: "binary" });
    else if ((entry.size ?? 0) > options.maxSize) skipped.push({ path, reason: "too-large", size: entry.size });
    else return true;
    return false;
  });
  await pool(wanted, options.concurrency ?? 8, async (entry) => {
    const path = entry.path.slice(prefix.length);
    const content = decodeText(await api.blob(repoPath, entry.sha));
    if (content === undefined) skipped.push({ path, reason: "binary" });
    else files.push({ path, content });
  });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped, ref: ref!, subdir };
}

function createClient(options: GitHubOptions) {
  const base = (options.apiUrl ?? process.env.FLOWLET_GITHUB_API_URL ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, "");
  const maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  const headers: Record<string, string> = {
    Accept: "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "flowlet-tutorial",
  };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;

  async function get(path: string, what: string, notFoundIsUndefined = false): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const response = await reach(base + path, { headers, signal: options.signal });
      if (response.ok) return response.json();
      const waitMs = rateLimitWait(response);
      if (waitMs !== undefined && attempt <= 3) {
        const resetAt = new Date(Date.now() + waitMs);
        if (waitMs > maxWaitMs) throw new GitHubRateLimitError(response.status, resetAt);
        options.onStatus?.(
          `GitHub rate limit reached: waiting ${Math.ceil(waitMs / 1000)} s, until ${resetAt.toISOString().slice(11, 19)} UTC${options.token ? "" : " (a --token raises the limit)"}.`,
        );
        await sleep(waitMs, undefined, { signal: options.signal });
        continue;
      }
      if (response.status === 404 && notFoundIsUndefined) return undefined;
      throw new GitHubError(response.status, describeFailure(response.status, what, await response.text().catch(() => "")));
    }
  }

  return {
    get,
    async blob(repoPath: string, sha: string): Promise<Uint8Array> {
      const blob = (await get(`${repoPath}/git/blobs/${sha}`, `blob ${sha}`)) as { content: string; encoding: string };
      return blob.encoding === "base64" ? Buffer.from(blob.content, "base64") : Buffer.from(blob.content, "utf8");
    },
  };
}

/** Milliseconds to wait before retrying, when the answer is a rate-limit one; `undefined` otherwise. */
function rateLimitWait(response: Response): number | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = Number(response.headers.get("retry-after"));
  if (response.headers.has("retry-after") && Number.isFinite(retryAfter)) return Math.max(0, retryAfter * 1000);
  if (response.headers.get("x-ratelimit-remaining") !== "0") return undefined;
  const reset = Number(response.headers.get("x-ratelimit-reset"));
  // A second of slack: GitHub's clock and ours may disagree slightly.
  return Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) + 1000 : 60_000;
}

function describeFailure(status: number, what: string, body: string): string {
  const detail = (() => {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? "";
    } catch {
      return "";
    }
  })();
  const hint =
    status === 401
      ? "GitHub rejected the token: check --token or GITHUB_TOKEN."
      : status === 404
        ? "Check the URL; a private repository needs --token or GITHUB_TOKEN."
        : status === 403
          ? "Access denied: check the token's permissions."
          : "Try again later.";
  return `GitHub answered ${status} for ${what}${detail ? ` (${detail})` : ""}. ${hint}`;
}

/** Runs `work` over `items` with at most `limit` running at once; the first failure rejects. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * `fetch`, with a failure to connect (offline, DNS, refused, TLS) turned into {@link GitHubUnreachableError}
 * rather than undici's bare "fetch failed". An abort stays an abort.
 */
async function reach(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new GitHubUnreachableError(new URL(url).origin, cause?.code ?? cause?.message ?? (error as Error).message);
  }
}

/** Base class of every error raised while reading the project to explain. */
export class SourceError extends Error {
  override name = "SourceError";
}

/** The local directory does not exist, is not a directory, or cannot be read. */
export class DirectoryNotFoundError extends SourceError {
  override name = "DirectoryNotFoundError";
  constructor(readonly directory: string) {
    super(`Directory not found: ${directory}. Pass an existing directory with --dir, or a repository URL with --repo.`);
  }
}

/** The selection left nothing to explain. `skipped` counts matching files left out (binary, too large, ...). */
export class NoFilesError extends SourceError {
  override name = "NoFilesError";
  constructor(readonly skipped: number) {
    super(
      `No files to explain${skipped ? ` (${skipped} matching files were skipped: binary, too large or unreadable)` : ""}. Check --include/--exclude (see --help for the defaults), .gitignore files and --max-size.`,
    );
  }
}

/** The repository URL is neither a GitHub web URL nor something `git clone` accepts. */
export class InvalidRepositoryUrlError extends SourceError {
  override name = "InvalidRepositoryUrlError";
  constructor(readonly url: string) {
    super(
      `Not a repository URL: ${url}. Use https://github.com/owner/repo (optionally /tree/<branch>/<dir>), or any URL git clone accepts (ssh, https ending in .git, file://).`,
    );
  }
}

/** GitHub answered with an error. `status` is the HTTP status. */
export class GitHubError extends SourceError {
  override name = "GitHubError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GitHub's rate limit is exhausted for longer than we are willing to wait. */
export class GitHubRateLimitError extends GitHubError {
  override name = "GitHubRateLimitError";
  constructor(
    status: number,
    readonly resetAt: Date,
  ) {
    super(
      status,
      `GitHub rate limit exhausted until ${resetAt.toISOString()}. Pass a token with --token or GITHUB_TOKEN (5000 requests/hour instead of 60), or try again later.`,
    );
  }
}

/** `git clone` failed; `detail` is git's own message with any credentials removed. */
export class GitCloneError extends SourceError {
  override name = "GitCloneError";
  constructor(
    readonly url: string,
    readonly detail: string,
  ) {
    super(`git clone ${url} failed: ${detail || "git printed nothing"}. Check the URL and your access to it (is git installed?).`);
  }
}

/** GitHub (or the API named by FLOWLET_GITHUB_API_URL) could not be reached at all: offline, DNS, refused, TLS. */
export class GitHubUnreachableError extends SourceError {
  override name = "GitHubUnreachableError";
  constructor(
    readonly origin: string,
    readonly detail: string,
  ) {
    super(
      `Could not reach ${origin} (${detail}). Check the network connection (and a proxy, if you use one), or explain a local copy with --dir.`,
    );
  }
}

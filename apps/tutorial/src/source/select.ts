import picomatch from "picomatch";

/** Source, build and doc files worth explaining (the original tool's list, plus modern JS/TS variants). */
export const DEFAULT_INCLUDE: readonly string[] = [
  "*.py",
  "*.pyi",
  "*.pyx",
  "*.js",
  "*.jsx",
  "*.mjs",
  "*.cjs",
  "*.ts",
  "*.tsx",
  "*.mts",
  "*.cts",
  "*.go",
  "*.java",
  "*.rs",
  "*.c",
  "*.cc",
  "*.cpp",
  "*.h",
  "*.hpp",
  "*.md",
  "*.rst",
  "*.yaml",
  "*.yml",
  "Dockerfile",
  "Makefile",
  "package.json",
  "pyproject.toml",
];

/**
 * Folders and files that rarely help a newcomer. Test files are named precisely (`*.test.*`,
 * `test_*.py`, `tests/`) rather than with the original's `*test*`, which also dropped `latest.py`.
 */
export const DEFAULT_EXCLUDE: readonly string[] = [
  "assets/",
  "data/",
  "images/",
  "public/",
  "static/",
  "temp/",
  "tmp/",
  "docs/",
  "venv/",
  ".venv/",
  "test/",
  "tests/",
  "__tests__/",
  "*.test.*",
  "*.spec.*",
  "test_*.py",
  "*_test.py",
  "*_test.go",
  "examples/",
  "dist/",
  "build/",
  "legacy/",
  "coverage/",
  ".git/",
  ".github/",
  ".next/",
  "node_modules/",
  "*.log",
];

/** The default exclusions that name tests and examples: where the offline mode looks for usage. */
export const USAGE_PATTERNS: readonly string[] = [
  "test/",
  "tests/",
  "__tests__/",
  "*.test.*",
  "*.spec.*",
  "test_*.py",
  "*_test.py",
  "examples/",
  "example/",
  "cookbook/",
];

/**
 * The files that show code in use (tests, examples) which `exclude` leaves out: code files only,
 * under the same exclusions minus the test and example ones.
 */
export function usageSelector(exclude: readonly string[]): FileSelector {
  const code = ["*.py", "*.js", "*.jsx", "*.mjs", "*.cjs", "*.ts", "*.tsx", "*.mts", "*.cts"];
  return new FileSelector(
    code,
    exclude.filter((pattern) => !USAGE_PATTERNS.includes(pattern)),
  );
}

type Matcher = (path: string, isDirectory: boolean) => boolean;

/**
 * Compiles glob patterns with gitignore's anchoring rules on picomatch's real globs (`*` never
 * crosses `/`, `**` does): a pattern without a slash matches a file or folder name at any depth
 * (`*.ts`, `node_modules`); a pattern with a slash matches the path from the root (`src/*.ts`,
 * `packages/**\/test`); a trailing slash matches folders only (`docs/`).
 */
function compile(patterns: readonly string[]): Matcher {
  const matchers = patterns.map((raw): Matcher => {
    let pattern = raw.trim().replace(/^\.\//, "");
    const directoryOnly = pattern.endsWith("/");
    pattern = pattern.replace(/\/+$/, "");
    const anchored = pattern.includes("/");
    pattern = pattern.replace(/^\/+/, "");
    const test = picomatch(pattern, { dot: true });
    return (path, isDirectory) => {
      if (directoryOnly && !isDirectory) return false;
      return test(anchored ? path : path.slice(path.lastIndexOf("/") + 1));
    };
  });
  return (path, isDirectory) => matchers.some((match) => match(path, isDirectory));
}

/** Decides which paths (relative, `/`-separated) are explained, from include and exclude globs. */
export class FileSelector {
  readonly #include: Matcher;
  readonly #exclude: Matcher;

  constructor(
    readonly include: readonly string[] = DEFAULT_INCLUDE,
    readonly exclude: readonly string[] = DEFAULT_EXCLUDE,
  ) {
    this.#include = compile(include);
    this.#exclude = compile(exclude);
  }

  /** Whether a folder is skipped: walkers call this before descending, so excluded trees are never read. */
  excludesDirectory(path: string): boolean {
    return path.split("/").at(-1) === ".git" || this.#exclude(path, true);
  }

  /**
   * Whether a file is selected, its folders assumed not excluded (the walker checked them). An include
   * pattern selects a file when it matches the file or one of its folders (`--include src/` works).
   */
  selectsFile(path: string): boolean {
    if (this.#exclude(path, false)) return false;
    return this.#include(path, false) || ancestors(path).some((folder) => this.#include(folder, true));
  }

  /** Whether a file is selected, checking every folder on its path too (for flat listings such as GitHub's tree). */
  selectsPath(path: string): boolean {
    return !ancestors(path).some((folder) => this.excludesDirectory(folder)) && this.selectsFile(path);
  }
}

/** The folders on a path, outermost first: `a/b/c.ts` → `a`, `a/b`. */
export function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

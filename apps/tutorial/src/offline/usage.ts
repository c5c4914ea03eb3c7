/** A short passage of an example or a test that uses a chapter's code. */
export type Usage = { path: string; kind: "example" | "test"; line: number; excerpt: string };

/** A file that may show code in use, with the project modules it imports. */
export type UsageSource = { path: string; content: string; dependsOn: readonly string[] };

const WINDOW = 12;
const MAX_PER_CHAPTER = 2;

/** Whether a path is a test (else it is an example, a benchmark or a script). */
function kindOf(path: string): "example" | "test" {
  return /(^|\/)(tests?|__tests__|spec|e2e)\//.test(path) || /(\.test\.|\.spec\.|(^|\/)test_[^/]*\.py$|_test\.py$)/.test(path)
    ? "test"
    : "example";
}

/**
 * Up to two passages, from different files, that use the chapter's modules: the files that import
 * one of `modules`, examples before tests and short files before long ones, each cut to the lines
 * around the first use of what it imported (the names it binds, or the chapter's exported names).
 */
export function findUsage(modules: ReadonlySet<string>, exportedNames: readonly string[], sources: readonly UsageSource[]): Usage[] {
  const candidates = sources
    .filter((source) => !modules.has(source.path) && source.dependsOn.some((path) => modules.has(path)))
    .sort(
      (a, b) =>
        Number(kindOf(a.path) === "test") - Number(kindOf(b.path) === "test") ||
        a.content.length - b.content.length ||
        (a.path < b.path ? -1 : 1),
    );
  const usages: Usage[] = [];
  for (const source of candidates) {
    const usage = passage(source, exportedNames);
    if (usage) usages.push(usage);
    if (usages.length === MAX_PER_CHAPTER) break;
  }
  return usages;
}

function passage(source: UsageSource, exportedNames: readonly string[]): Usage | undefined {
  const lines = source.content.split(/\r?\n/);
  const importLines = lines
    .map((line, i) => (/^\s*(import\b|from\s+\S+\s+import\b|(const|let|var)\b.*\brequire\s*\()/.test(line) ? i : -1))
    .filter((i) => i >= 0);
  const bound = importLines.flatMap((i) => boundNames(lines[i]!));
  const names = [...new Set([...bound, ...exportedNames])].filter((name) => name.length >= 2 && /^[\w$]+$/.test(name));
  if (names.length === 0) return undefined;
  const pattern = new RegExp(`(^|[^\\w$.])(${names.map((name) => name.replace(/\$/g, "\\$")).join("|")})\\b`);
  const after = importLines.length ? Math.max(...importLines) + 1 : 0;
  const use = lines.findIndex((line, i) => i >= after && !/^\s*(#|\/\/|\*)/.test(line) && pattern.test(line));
  if (use === -1) return undefined;
  // The import the passage relies on is shown when it is close: the reader sees where the name comes from.
  const lastImport = importLines.filter((i) => i < use).at(-1);
  let start = lastImport !== undefined && use - lastImport <= 4 ? lastImport : Math.max(after, use - 2);
  let end = Math.min(lines.length, start + WINDOW);
  while (start < end && lines[start]!.trim() === "") start++;
  while (end > start && lines[end - 1]!.trim() === "") end--;
  const excerpt = dedent(lines.slice(start, end));
  return {
    path: source.path,
    kind: kindOf(source.path),
    line: start + 1,
    excerpt: lines.slice(end).some((line) => line.trim()) ? `${excerpt}\n…` : excerpt,
  };
}

/** The local names an import line binds: `const x = require(…)`, `import x, { a, b as c }`, `from m import a, b`, `import m as n`. */
function boundNames(line: string): string[] {
  const names: string[] = [];
  const cjs = /(?:const|let|var)\s+(\{[^}]*\}|[\w$]+)\s*=/.exec(line);
  const esm = /^\s*import\s+(?:type\s+)?([\w$]+)?\s*,?\s*(?:\{([^}]*)\}|\*\s+as\s+([\w$]+))?\s*from/.exec(line);
  const pyFrom = /^\s*from\s+\S+\s+import\s+\(?([^)#]*)/.exec(line);
  const pyImport = /^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$/.exec(line);
  const list = (text: string) =>
    text
      .split(",")
      .map((part) =>
        part
          .trim()
          .split(/\s+as\s+|\s*:\s*/)
          .at(-1)!
          .trim(),
      )
      .filter(Boolean);
  if (cjs) names.push(...(cjs[1]!.startsWith("{") ? list(cjs[1]!.slice(1, -1)) : [cjs[1]!]));
  else if (esm) names.push(...[esm[1], esm[3]].filter((name): name is string => !!name), ...(esm[2] ? list(esm[2]) : []));
  else if (pyFrom) names.push(...list(pyFrom[1]!));
  else if (pyImport) names.push(pyImport[2] ?? pyImport[1]!.split(".").at(-1)!);
  return names;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((line) => line.trim()).map((line) => /^\s*/.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join("\n");
}

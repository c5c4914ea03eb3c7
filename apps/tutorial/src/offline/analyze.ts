import { posix } from "node:path";
import type { SourceFile } from "../source/types.js";
import { type EntryPoint, findEntryPoints } from "./entries.js";
import { orderByDependencies } from "./graph.js";
import { analyzeJavaScript } from "./javascript.js";
import { analyzePython } from "./python.js";
import { appendixGroup } from "./noise.js";
import type { ModuleFacts } from "./types.js";
import { findUsage, type Usage, type UsageSource } from "./usage.js";

const LANGUAGES: Record<string, string> = {
  ts: "TypeScript",
  tsx: "TypeScript",
  mts: "TypeScript",
  cts: "TypeScript",
  js: "JavaScript",
  jsx: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
  py: "Python",
  pyi: "Python",
  pyx: "Cython",
  go: "Go",
  java: "Java",
  rs: "Rust",
  c: "C",
  h: "C/C++",
  cc: "C++",
  cpp: "C++",
  hpp: "C++",
  md: "Markdown",
  rst: "reStructuredText",
  yaml: "YAML",
  yml: "YAML",
  json: "JSON",
  toml: "TOML",
};
const JS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".d.ts"];
const NOT_CODE = new Set(["Markdown", "reStructuredText", "YAML", "JSON", "TOML", "Dockerfile", "Makefile", "other"]);

/** A source file that holds code, with what it imports (resolved to files of the project) and exports. */
export type Module = {
  path: string;
  language: string;
  facts: ModuleFacts;
  /** Files of the project this module imports. */
  dependsOn: string[];
  /** Packages it imports from outside the project. */
  external: string[];
  lines: number;
  /** How a reader reaches this module when it is an entry point (package.json bin, `python -m`, …). */
  entry?: EntryPoint;
};

/** A chapter of the structure-only tutorial: one folder's modules (deep folders merged into their parents). */
export type Chapter = {
  title: string;
  folder: string;
  modules: Module[];
  /** Indices, in chapter order, of the chapters this one imports from and of those importing it. */
  dependsOn: number[];
  usedBy: number[];
  /** How many imports lead from this chapter to each chapter it depends on. */
  importCounts: Map<number, number>;
  /** The first paragraph of the folder's README, or of its main module's doc comment or docstring. */
  intro?: string;
  /** Where `intro` comes from: a README's path, or a module's. */
  introSource?: string;
  /** Passages of examples and tests that use this chapter's modules. */
  usage: Usage[];
  /** The last chapter, holding examples, benchmarks, scripts and configuration: `groups` by folder. */
  appendix?: { groups: AppendixGroup[] };
};

/** One folder of the appendix (an example, the benchmarks, …): what its README says and what it holds. */
export type AppendixGroup = { folder: string; intro?: string; modules: Module[] };

/** What the offline mode knows about a project. */
export type Analysis = {
  modules: Module[];
  chapters: Chapter[];
  languages: Map<string, number>;
  entryPoints: EntryPoint[];
  /** The first paragraph of the project's top-level README. */
  about?: string;
};

/** Options of {@link analyzeProject}. */
export type AnalyzeOptions = {
  /** Tests and examples outside the selection, searched for usage of each chapter's code. */
  companions?: readonly SourceFile[];
  onModule?: (done: number, total: number) => void;
};

/** The language of a file, from its name (`Dockerfile` and `Makefile` included). */
export function languageOf(path: string): string {
  const name = posix.basename(path);
  if (name === "Dockerfile" || name === "Makefile") return name;
  const dot = name.lastIndexOf(".");
  return (dot > 0 && LANGUAGES[name.slice(dot + 1).toLowerCase()]) || "other";
}

/**
 * Analyses a project statically: parses every TypeScript/JavaScript/Python file for imports and
 * exports, resolves imports to files of the project, groups modules by folder into at most
 * `maxChapters` chapters, and orders the chapters so that what others depend on comes first.
 */
export function analyzeProject(files: readonly SourceFile[], maxChapters: number, options: AnalyzeOptions = {}): Analysis {
  const { onModule, companions = [] } = options;
  const languages = new Map<string, number>();
  for (const file of files) {
    const language = languageOf(file.path);
    languages.set(language, (languages.get(language) ?? 0) + 1);
  }
  const codeFiles = files.filter((file) => !NOT_CODE.has(languageOf(file.path)));
  // Imports resolve to code only: `import readme from "./README.md"` is not a dependency between modules.
  const resolver = createResolver(codeFiles.map((file) => file.path));
  // Names of the project's own folders and Python modules: an unresolved `import app` that names
  // one of them is the project's own package seen from another root, not a third-party package.
  const ownNames = new Set(files.flatMap((file) => file.path.replace(/\.pyi?$/, "").split("/")));

  const describe = (file: SourceFile): Module => {
    const language = languageOf(file.path);
    const facts = factsOf(file, language);
    const dependsOn = new Set<string>();
    const external = new Set<string>();
    for (const specifier of facts.imports) {
      const target = language === "Python" ? resolver.python(file.path, specifier) : resolver.javascript(file.path, specifier);
      if (target && target !== file.path) dependsOn.add(target);
      else if (!target) {
        const name = externalName(specifier, language);
        if (name && !(language === "Python" && ownNames.has(name))) external.add(name);
      }
    }
    return {
      path: file.path,
      language,
      facts,
      dependsOn: [...dependsOn],
      external: [...external].sort(),
      lines: file.content.split("\n").length,
    };
  };
  const modules = codeFiles.map((file, i) => {
    onModule?.(i + 1, codeFiles.length);
    return describe(file);
  });
  const modulePaths = new Set(modules.map((module) => module.path));
  const entryPoints = findEntryPoints(files, (path) => modulePaths.has(path));
  const entryOf = new Map(entryPoints.map((entry) => [entry.path, entry]));
  for (const module of modules) {
    const entry = entryOf.get(module.path);
    if (entry) module.entry = entry;
  }
  const contents = new Map(files.map((file) => [file.path, file.content]));
  const usageSources: UsageSource[] = [
    ...companions
      .filter((file) => !modulePaths.has(file.path) && !NOT_CODE.has(languageOf(file.path)))
      .map((file) => ({ ...file, dependsOn: describe(file).dependsOn })),
    ...modules
      .filter((module) => appendixGroup(module.path) !== undefined)
      .map((module) => ({ path: module.path, content: contents.get(module.path) ?? "", dependsOn: module.dependsOn })),
  ];

  const chapters = groupIntoChapters(modules, Math.max(1, maxChapters), files, usageSources);
  // The appendix's own entry points (each example's main.py) are not where a reader starts.
  const inChapters = new Set(
    chapters.filter((chapter) => !chapter.appendix).flatMap((chapter) => chapter.modules.map((module) => module.path)),
  );
  const readme = files.find((file) => /^readme\.(md|rst)$/i.test(file.path));
  const about = firstParagraph(readme?.content);
  return { modules, chapters, languages, entryPoints: entryPoints.filter((entry) => inChapters.has(entry.path)), ...(about && { about }) };
}

function factsOf(file: SourceFile, language: string): ModuleFacts {
  try {
    if (language === "TypeScript" || language === "JavaScript") return analyzeJavaScript(file.path, file.content);
    if (language === "Python") return analyzePython(file.content);
  } catch (error) {
    return { imports: [], exports: [], parseError: error instanceof Error ? error.message : String(error) };
  }
  return { imports: [], exports: [] };
}

/** The package name of an import that left the project, or `undefined` for relative imports that did not resolve. */
function externalName(specifier: string, language: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (language === "Python") return specifier.split(".")[0];
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Resolves import specifiers to files of the project, the way Node/TypeScript and Python would. */
function createResolver(paths: readonly string[]) {
  const known = new Set(paths);
  // Monorepo packages are imported by name (`@scope/name`, `name`): a folder `name/` holding
  // `index.*` or `src/index.*` is taken as that package when exactly one folder has that name.
  const packageFolders = new Map<string, Set<string>>();
  for (const path of paths) {
    const match = /^(?:(.*)\/)?([^/]+)\/(?:src\/)?index\.(?:ts|tsx|mts|js|mjs|jsx)$/.exec(path.replace(/\/src\/index\./, "/index."));
    if (!match) continue;
    const folder = match[1] ? `${match[1]}/${match[2]}` : match[2]!;
    packageFolders.set(match[2]!, (packageFolders.get(match[2]!) ?? new Set()).add(folder));
  }
  const first = (candidates: string[]) => candidates.find((candidate) => known.has(candidate));
  // Python files by module name (`b` for `x/b.py` and `x/b/__init__.py`), for absolute imports
  // made from another source root (`import a.b` meaning `src/a/b.py`).
  const pythonByName = new Map<string, string[]>();
  for (const path of paths) {
    const name = /([^/]+)(?:\/__init__)?\.pyi?$/.exec(path)?.[1];
    if (name) pythonByName.set(name, [...(pythonByName.get(name) ?? []), path]);
  }

  return {
    javascript(from: string, specifier: string): string | undefined {
      if (!specifier.startsWith(".")) {
        const name = specifier.split("/")[specifier.startsWith("@") ? 1 : 0];
        const folders = name ? packageFolders.get(name) : undefined;
        if (folders?.size !== 1) return undefined;
        const [folder] = folders;
        return first(["src/index", "index"].flatMap((entry) => JS_EXTENSIONS.map((extension) => `${folder}/${entry}${extension}`)));
      }
      // `require("..")` and `require("../")` name a folder: its index file.
      const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\/+$/, "") || ".";
      const swapped = base
        .replace(/\.js$/, ".ts")
        .replace(/\.jsx$/, ".tsx")
        .replace(/\.mjs$/, ".mts")
        .replace(/\.cjs$/, ".cts");
      // A launcher importing the build output (`../dist/cli.js`) uses the source it is built from.
      const built = /(^|\/)(dist|build)\//.test(base)
        ? base.replace(/(^|\/)(dist|build)\//, "$1src/").replace(/\.[cm]?js$/, "")
        : undefined;
      return first([
        ...(built ? [`${built}.ts`, `${built}.tsx`, `${built}.mts`, `${built}.js`] : []),
        base,
        swapped,
        base.replace(/\.js$/, ".tsx"),
        ...JS_EXTENSIONS.map((extension) => base + extension),
        ...JS_EXTENSIONS.map((extension) => (base === "." ? `index${extension}` : `${base}/index${extension}`)),
      ]);
    },
    python(from: string, specifier: string): string | undefined {
      const dots = /^\.*/.exec(specifier)![0].length;
      const module = specifier.slice(dots).replaceAll(".", "/");
      if (dots > 0) {
        let base = posix.dirname(from);
        for (let i = 1; i < dots; i++) base = posix.dirname(base);
        const target = module ? posix.join(base, module) : base;
        return first([`${target}.py`, `${target}/__init__.py`].map((path) => path.replace(/^\.\//, "")));
      }
      const exact = first([`${module}.py`, `${module}/__init__.py`]);
      if (exact) return exact;
      const candidates = pythonByName.get(module.slice(module.lastIndexOf("/") + 1)) ?? [];
      const bySuffix = candidates.filter((path) => path.endsWith(`/${module}.py`) || path.endsWith(`/${module}/__init__.py`));
      return bySuffix.length === 1 ? bySuffix[0] : undefined;
    },
  };
}

const APPENDIX_TITLE = "Appendix: examples, tools and configuration";

/**
 * Chapters in reading order: the project proper grouped by folder into at most `maxChapters`
 * (one fewer when there is an appendix), the chapters holding entry points first (the public API
 * used by most others leading), then what they use, breadth first, then the rest foundations
 * first; examples, benchmarks, scripts and configuration last, in one appendix.
 */
function groupIntoChapters(
  all: Module[],
  maxChapters: number,
  files: readonly SourceFile[],
  usageSources: readonly UsageSource[],
): Chapter[] {
  const noise = all.filter((module) => appendixGroup(module.path) !== undefined);
  // A project made only of examples has no appendix: its examples are the project.
  const modules = noise.length < all.length ? all.filter((module) => appendixGroup(module.path) === undefined) : all;
  const appendixModules = modules === all ? [] : noise;
  const groups = mergeFolders(modules, Math.max(1, maxChapters - (appendixModules.length > 0 ? 1 : 0)));

  const folderOf = new Map<string, string>();
  for (const [folder, members] of groups) for (const module of members) folderOf.set(module.path, folder);
  const folderDeps = new Map<string, Set<string>>();
  const moduleDeps = new Map<string, Set<string>>();
  for (const module of modules) {
    moduleDeps.set(module.path, new Set(module.dependsOn));
    const folder = folderOf.get(module.path)!;
    const deps = folderDeps.get(folder) ?? new Set<string>();
    for (const target of module.dependsOn) {
      const other = folderOf.get(target);
      if (other !== undefined && other !== folder) deps.add(other);
    }
    folderDeps.set(folder, deps);
  }

  const order = readingOrder(orderByDependencies([...groups.keys()], folderDeps), folderDeps, groups);
  const position = new Map(order.map((folder, i) => [folder, i]));
  const readmes = new Map(
    files.filter((file) => /(^|\/)readme\.(md|rst)$/i.test(file.path)).map((file) => [posix.dirname(file.path), file]),
  );
  const chapters = order.map((folder): Chapter => {
    const members = groups.get(folder)!;
    const dependencyOrder = orderByDependencies(
      members.map((module) => module.path),
      moduleDeps,
    );
    const byPath = new Map(members.map((module) => [module.path, module]));
    const ordered = dependencyOrder.map((path) => byPath.get(path)!);
    const entries = ordered.filter((module) => module.entry).sort((a, b) => a.entry!.rank - b.entry!.rank);
    const sorted = [...entries, ...ordered.filter((module) => !module.entry)];
    const importCounts = new Map<number, number>();
    for (const module of members) {
      for (const target of module.dependsOn) {
        const other = folderOf.has(target) ? position.get(folderOf.get(target)!)! : undefined;
        if (other !== undefined && other !== position.get(folder)) importCounts.set(other, (importCounts.get(other) ?? 0) + 1);
      }
    }
    const parentFolder = folder.replace(/\/(src|lib)$/, "");
    const readme = readmes.get(folder || ".") ?? readmes.get(parentFolder || ".");
    const intro = introOf(readme, sorted);
    const names = sorted.flatMap((module) => module.facts.exports.map((symbol) => symbol.name));
    return {
      title: folder ? parentFolder : "Top-level files",
      folder,
      modules: sorted,
      dependsOn: [...importCounts.keys()].sort((a, b) => a - b),
      usedBy: [],
      importCounts,
      ...intro,
      usage: findUsage(new Set(members.map((module) => module.path)), names, usageSources),
    };
  });
  chapters.forEach((chapter, i) => {
    for (const dep of chapter.dependsOn) chapters[dep]!.usedBy.push(i);
  });
  if (appendixModules.length > 0) chapters.push(appendixChapter(appendixModules, readmes));
  return chapters;
}

/** The appendix: its modules by folder (`cookbook/agent`, `bench`), each with its README's first paragraph. */
function appendixChapter(modules: Module[], readmes: ReadonlyMap<string, SourceFile>): Chapter {
  const byFolder = new Map<string, Module[]>();
  for (const module of modules) {
    const folder = appendixGroup(module.path) ?? "";
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), module]);
  }
  const groups = [...byFolder]
    .sort(([a], [b]) => compareSegments(a, b))
    .map(([folder, members]): AppendixGroup => {
      // The project's own README describes the project, not its top-level configuration files.
      const intro = folder ? firstParagraph(readmes.get(folder)?.content) : undefined;
      return { folder, modules: members, ...(intro && { intro }) };
    });
  return {
    title: APPENDIX_TITLE,
    folder: "",
    modules,
    dependsOn: [],
    usedBy: [],
    importCounts: new Map(),
    usage: [],
    appendix: { groups },
  };
}

/** The intro of a chapter: its README's first paragraph, else the doc of its main module. */
function introOf(readme: SourceFile | undefined, modules: readonly Module[]): { intro?: string; introSource?: string } {
  const fromReadme = firstParagraph(readme?.content);
  if (fromReadme && readme) return { intro: fromReadme, introSource: readme.path };
  const main =
    modules.find((module) => module.entry && module.facts.doc) ??
    modules.find((module) => /(^|\/)(index\.[cm]?[jt]sx?|__init__\.py|main\.[a-z]+|mod\.rs)$/.test(module.path) && module.facts.doc);
  const fromDoc = firstParagraph(main?.facts.doc);
  return fromDoc && main ? { intro: fromDoc, introSource: main.path } : {};
}

/**
 * Entry-point chapters first (those most used by other chapters leading: a library's core before
 * the tools built on it), then breadth first along what each uses, then the rest in `dependencyOrder`.
 */
function readingOrder(
  dependencyOrder: string[],
  deps: ReadonlyMap<string, ReadonlySet<string>>,
  groups: ReadonlyMap<string, Module[]>,
): string[] {
  const position = new Map(dependencyOrder.map((folder, i) => [folder, i]));
  const usedBy = new Map<string, number>();
  for (const targets of deps.values()) for (const target of targets) usedBy.set(target, (usedBy.get(target) ?? 0) + 1);
  const rank = (folder: string) => Math.min(...groups.get(folder)!.map((module) => module.entry?.rank ?? 9));
  const entries = dependencyOrder
    .filter((folder) => rank(folder) < 9)
    .sort((a, b) => (usedBy.get(b) ?? 0) - (usedBy.get(a) ?? 0) || rank(a) - rank(b) || position.get(a)! - position.get(b)!);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (!seen.has(folder)) {
      seen.add(folder);
      order.push(folder);
    }
  };
  entries.forEach(visit);
  for (let i = 0; i < order.length; i++) {
    [...(deps.get(order[i]!) ?? [])].sort((a, b) => position.get(a)! - position.get(b)!).forEach(visit);
  }
  dependencyOrder.forEach(visit);
  return order;
}

/**
 * Modules by folder, the two folders with the deepest common parent (the smallest pair on ties)
 * merged into that parent until at most `maxChapters` remain, unless that merge would fold more than
 * four folders and a third of the modules into one chapter. Sorted by segments, such a pair is always adjacent.
 */
function mergeFolders(modules: readonly Module[], maxChapters: number): Map<string, Module[]> {
  const groups = new Map<string, Module[]>();
  for (const module of modules) {
    const folder = posix.dirname(module.path) === "." ? "" : posix.dirname(module.path);
    const members = groups.get(folder) ?? [];
    members.push(module);
    groups.set(folder, members);
  }
  // A package's `bin/` launcher belongs with the code it launches, not in a chapter of its own.
  for (const folder of [...groups.keys()].filter((name) => name === "bin" || name.endsWith("/bin"))) {
    const parent = folder === "bin" ? "" : folder.slice(0, -"/bin".length);
    const home = [parent ? `${parent}/src` : "src", parent].find((candidate) => groups.has(candidate));
    if (home === undefined) continue;
    groups.get(home)!.push(...groups.get(folder)!);
    groups.delete(folder);
  }
  while (groups.size > maxChapters) {
    const folders = [...groups.keys()].sort((a, b) => compareSegments(a, b));
    let best = { parent: "", depth: -1, size: Number.POSITIVE_INFINITY };
    for (let i = 0; i + 1 < folders.length; i++) {
      const parent = commonParent(folders[i]!, folders[i + 1]!);
      const size = groups.get(folders[i]!)!.length + groups.get(folders[i + 1]!)!.length;
      if (depth(parent) > best.depth || (depth(parent) === best.depth && size < best.size)) best = { parent, depth: depth(parent), size };
    }
    const merged = folders.filter((folder) => folder === best.parent || folder.startsWith(best.parent ? `${best.parent}/` : ""));
    // Merging at a shared parent swallows every sibling: in a monorepo, `packages/` would become one
    // chapter holding most of the project. More chapters than asked read better than that.
    const swallowed = merged.reduce((sum, folder) => sum + groups.get(folder)!.length, 0);
    if (merged.length > 4 && swallowed > modules.length / 3) break;
    groups.set(
      best.parent,
      merged.flatMap((folder) => groups.get(folder)!),
    );
    for (const folder of merged) if (folder !== best.parent) groups.delete(folder);
  }
  return groups;
}

function compareSegments(a: string, b: string): number {
  const x = a.replaceAll("/", "\0");
  const y = b.replaceAll("/", "\0");
  return x < y ? -1 : x > y ? 1 : 0;
}

function commonParent(a: string, b: string): string {
  const x = a ? a.split("/") : [];
  const y = b ? b.split("/") : [];
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join("/");
}

function depth(folder: string): number {
  return folder === "" ? 0 : folder.split("/").length;
}

/** The first prose paragraph of a README: no heading, badge, HTML, table, list or code. */
function firstParagraph(markdown: string | undefined): string | undefined {
  if (!markdown) return undefined;
  for (const block of markdown.replace(/```[\s\S]*?```/g, "").split(/\r?\n\s*\r?\n/)) {
    const text = block.trim();
    if (!text || /^(#|!\[|\[!\[|<|\||---|===|- |\* |\d+\. |>)/.test(text)) continue;
    return text.length > 700 ? `${text.slice(0, 700).replace(/\s+\S*$/, "")} …` : text;
  }
  return undefined;
}

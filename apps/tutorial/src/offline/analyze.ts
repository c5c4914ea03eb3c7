import { posix } from "node:path";
import type { SourceFile } from "../source/types.js";
import { orderByDependencies } from "./graph.js";
import { analyzeJavaScript } from "./javascript.js";
import { analyzePython } from "./python.js";
import type { ModuleFacts } from "./types.js";

const LANGUAGES: Record<string, string> = {
  ts: "TypeScript", tsx: "TypeScript", mts: "TypeScript", cts: "TypeScript",
  js: "JavaScript", jsx: "JavaScript", mjs: "JavaScript", cjs: "JavaScript",
  py: "Python", pyi: "Python", pyx: "Cython", go: "Go", java: "Java", rs: "Rust",
  c: "C", h: "C/C++", cc: "C++", cpp: "C++", hpp: "C++",
  md: "Markdown", rst: "reStructuredText", yaml: "YAML", yml: "YAML",
};
const JS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".d.ts"];
const NOT_CODE = new Set(["Markdown", "reStructuredText", "YAML", "Dockerfile", "Makefile", "other"]);

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
  /** The first paragraph of the folder's README, when it has one. */
  intro?: string;
};

/** What the offline mode knows about a project. */
export type Analysis = { modules: Module[]; chapters: Chapter[]; languages: Map<string, number> };

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
export function analyzeProject(files: readonly SourceFile[], maxChapters: number, onModule?: (done: number, total: number) => void): Analysis {
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

  const modules = codeFiles.map((file, i): Module => {
    onModule?.(i + 1, codeFiles.length);
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
    return { path: file.path, language, facts, dependsOn: [...dependsOn], external: [...external].sort(), lines: file.content.split("\n").length };
  });

  const chapters = groupIntoChapters(modules, Math.max(1, maxChapters), files);
  return { modules, chapters, languages };
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
      const base = posix.normalize(posix.join(posix.dirname(from), specifier));
      const swapped = base.replace(/\.js$/, ".ts").replace(/\.jsx$/, ".tsx").replace(/\.mjs$/, ".mts").replace(/\.cjs$/, ".cts");
      return first([
        base,
        swapped,
        base.replace(/\.js$/, ".tsx"),
        ...JS_EXTENSIONS.map((extension) => base + extension),
        ...JS_EXTENSIONS.map((extension) => `${base}/index${extension}`),
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

function groupIntoChapters(modules: Module[], maxChapters: number, files: readonly SourceFile[]): Chapter[] {
  const groups = new Map<string, Module[]>();
  for (const module of modules) {
    const folder = posix.dirname(module.path) === "." ? "" : posix.dirname(module.path);
    const members = groups.get(folder) ?? [];
    members.push(module);
    groups.set(folder, members);
  }
  // Merge the two folders with the deepest common parent (the smallest pair on ties) into that
  // parent until few enough remain. Sorted by segments, such a pair is always adjacent.
  while (groups.size > maxChapters) {
    const folders = [...groups.keys()].sort((a, b) => compareSegments(a, b));
    let best = { parent: "", depth: -1, size: Number.POSITIVE_INFINITY };
    for (let i = 0; i + 1 < folders.length; i++) {
      const parent = commonParent(folders[i]!, folders[i + 1]!);
      const size = groups.get(folders[i]!)!.length + groups.get(folders[i + 1]!)!.length;
      if (depth(parent) > best.depth || (depth(parent) === best.depth && size < best.size)) best = { parent, depth: depth(parent), size };
    }
    const merged = folders.filter((folder) => folder === best.parent || folder.startsWith(best.parent ? `${best.parent}/` : ""));
    groups.set(best.parent, merged.flatMap((folder) => groups.get(folder)!));
    for (const folder of merged) if (folder !== best.parent) groups.delete(folder);
  }

  const folderOf = new Map<string, string>();
  for (const [folder, members] of groups) for (const module of members) folderOf.set(module.path, folder);
  const folderDeps = new Map<string, Set<string>>();
  const moduleDeps = new Map<string, Set<string>>();
  for (const module of modules) {
    moduleDeps.set(module.path, new Set(module.dependsOn));
    const folder = folderOf.get(module.path)!;
    const deps = folderDeps.get(folder) ?? new Set<string>();
    for (const target of module.dependsOn) if (folderOf.get(target) !== folder) deps.add(folderOf.get(target)!);
    folderDeps.set(folder, deps);
  }

  const order = orderByDependencies([...groups.keys()], folderDeps);
  const position = new Map(order.map((folder, i) => [folder, i]));
  const readmes = new Map(files.filter((file) => /(^|\/)readme\.(md|rst)$/i.test(file.path)).map((file) => [posix.dirname(file.path), file.content]));
  const chapters = order.map((folder): Chapter => {
    const members = groups.get(folder)!;
    const memberOrder = orderByDependencies(members.map((module) => module.path), moduleDeps);
    const byPath = new Map(members.map((module) => [module.path, module]));
    const importCounts = new Map<number, number>();
    for (const module of members) {
      for (const target of module.dependsOn) {
        const other = position.get(folderOf.get(target)!)!;
        if (other !== position.get(folder)) importCounts.set(other, (importCounts.get(other) ?? 0) + 1);
      }
    }
    const parentFolder = folder.replace(/\/(src|lib)$/, "");
    return {
      title: folder ? parentFolder : "Top-level files",
      folder,
      modules: memberOrder.map((path) => byPath.get(path)!),
      dependsOn: [...importCounts.keys()].sort((a, b) => a - b),
      usedBy: [],
      importCounts,
      intro: firstParagraph(readmes.get(folder || ".") ?? readmes.get(parentFolder || ".")),
    };
  });
  chapters.forEach((chapter, i) => {
    for (const dep of chapter.dependsOn) chapters[dep]!.usedBy.push(i);
  });
  return chapters;
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

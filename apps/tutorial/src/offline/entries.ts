import { posix } from "node:path";
import type { SourceFile } from "../source/types.js";

/** A file where a reader of the project starts: what the package runs or offers first. */
export type EntryPoint = {
  path: string;
  /** How it is reached, for the reader: `package.json "bin" (flowlet-tutorial)`, `python -m pocketflow`. */
  reason: string;
  /** 0: a declared command (bin, console script, `__main__`, `cli.*`); 1: the public API (main, exports, a Python package); 2: a script. */
  rank: 0 | 1 | 2;
};

const CODE = /\.(?:[cm]?[jt]sx?|py)$/;

/**
 * The entry points of a project, from what declares them:
 *
 * - package.json `bin`, `main`, `module` and `exports` (a `dist/x.js` target is mapped back to the
 *   `src/x.ts` it is built from; no `main` means `index.js`);
 * - pyproject.toml `[project.scripts]` and setup.py `console_scripts` (`name = "pkg.mod:func"`);
 * - `__main__.py` (`python -m pkg`), a top-level Python package's `__init__.py` (its public API),
 *   a file guarded by `if __name__ == "__main__":`, and files named `cli.*` or in a `bin/` folder.
 *
 * `isModule` says which paths are analysed modules: an entry that is not one is not reported.
 */
export function findEntryPoints(files: readonly SourceFile[], isModule: (path: string) => boolean): EntryPoint[] {
  const found = new Map<string, EntryPoint>();
  const add = (path: string | undefined, reason: string, rank: EntryPoint["rank"]) => {
    if (!path || !isModule(path)) return;
    const known = found.get(path);
    if (!known || rank < known.rank) found.set(path, { path, reason, rank });
  };
  const resolveIn = (folder: string, target: string) => resolveTarget(posix.join(folder || ".", target), isModule);

  for (const file of files) {
    const name = posix.basename(file.path);
    const folder = posix.dirname(file.path) === "." ? "" : posix.dirname(file.path);
    if (name === "package.json") {
      const manifest = parseJson(file.content);
      if (!manifest) continue;
      const bin = manifest.bin;
      if (typeof bin === "string") add(resolveIn(folder, bin), `package.json "bin" (${String(manifest.name ?? "the command")})`, 0);
      else if (bin && typeof bin === "object") {
        for (const [command, target] of Object.entries(bin))
          if (typeof target === "string") add(resolveIn(folder, target), `package.json "bin" (${command})`, 0);
      }
      const api = [
        ["main", manifest.main],
        ["module", manifest.module],
        ["exports", manifest.exports],
      ] as const;
      for (const [field, value] of api) for (const target of strings(value)) add(resolveIn(folder, target), `package.json "${field}"`, 1);
      if (manifest.main === undefined && manifest.exports === undefined)
        add(resolveIn(folder, "index.js"), "package.json (index.js, Node's default)", 1);
    } else if (name === "pyproject.toml" || name === "setup.py" || name === "setup.cfg") {
      for (const [command, module] of pythonScripts(file.content))
        add(resolvePython(folder, module, isModule), `console script (${command})`, 0);
    } else if (name === "__main__.py") {
      add(file.path, `python -m ${folder.replace(/^src\//, "").replaceAll("/", ".")}`, 0);
    } else if (CODE.test(name) && /^cli\./.test(name)) {
      add(file.path, "command-line interface", 0);
    } else if (CODE.test(name) && posix.basename(folder) === "bin") {
      add(file.path, "a command (bin/)", 2);
    } else if (name === "__init__.py" && /^(?:src\/)?[^/]+$/.test(folder)) {
      add(file.path, `the package's public API (import ${posix.basename(folder)})`, 1);
    } else if (name.endsWith(".py") && /^if\s+__name__\s*==\s*["']__main__["']\s*:/m.test(file.content)) {
      add(file.path, "runs as a script", 2);
    }
  }
  return [...found.values()].sort((a, b) => a.rank - b.rank || (a.path < b.path ? -1 : 1));
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Every string in a package.json `exports` value (conditions and subpaths), type declarations left out. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return /\.d\.[cm]?ts$/.test(value) || value.endsWith(".json") ? [] : [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** A package.json target as a module of the project: as written, with an extension, as a folder index, or as the source of a build output. */
function resolveTarget(target: string, isModule: (path: string) => boolean): string | undefined {
  const path = posix.normalize(target).replace(/^\.\//, "");
  const source = path.replace(/^(?:(.*\/)?)(?:dist|build|lib|out)\//, "$1src/").replace(/\.(?:c|m)?js$/, "");
  const candidates = [
    path,
    `${path}.js`,
    `${path}/index.js`,
    ...[".ts", ".tsx", ".mts", ".js", "/index.ts"].map((ext) => `${source}${ext}`),
  ];
  return candidates.find(isModule);
}

/** `name = "pkg.mod:func"` lines of pyproject scripts or setup.py/cfg console_scripts. */
function pythonScripts(text: string): [string, string][] {
  return [...text.matchAll(/^\s*["']?([\w.-]+)["']?\s*=\s*["']?([\w.]+):\w+/gm)].map((m) => [m[1]!, m[2]!] as [string, string]);
}

function resolvePython(folder: string, module: string, isModule: (path: string) => boolean): string | undefined {
  const base = module.replaceAll(".", "/");
  const roots = [folder, folder ? `${folder}/src` : "src"].map((root) => (root ? `${root}/` : ""));
  return roots.flatMap((root) => [`${root}${base}.py`, `${root}${base}/__init__.py`]).find(isModule);
}

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidProjectNameError, TargetNotEmptyError } from "./errors.js";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const TEMPLATE_DIR = join(PACKAGE_DIR, "template");
// npm drops files named .gitignore from tarballs, so the template carries it as _gitignore.
const RENAMES: Readonly<Record<string, string>> = { _gitignore: ".gitignore" };
const TEXT_FILES = ["README.md", "docs/design.md"];

/** Versions of the dev tools a new project installs; the Flowlet packages follow create-flowlet's own version. */
export const TOOL_VERSIONS = { tsx: "^4.20.0", typescript: "~5.9.3", "@types/node": "^20.19.0" } as const;

export interface ScaffoldOptions {
  /** Where the project goes; it must not exist or be empty. */
  dir: string;
  /** The package name. Default: the directory's name. */
  name?: string;
}

export interface Scaffolded {
  dir: string;
  name: string;
  files: string[];
}

/** Writes a new project: one flow, its nodes, its test, an LLM from the environment and a design doc. */
export function scaffold(options: ScaffoldOptions): Scaffolded {
  const dir = resolve(options.dir);
  const name = options.name ?? basename(dir);
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name) || name.length > 214) throw new InvalidProjectNameError(name);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new TargetNotEmptyError(dir);

  mkdirSync(dir, { recursive: true });
  cpSync(TEMPLATE_DIR, dir, { recursive: true });
  for (const [from, to] of Object.entries(RENAMES)) renameSync(join(dir, from), join(dir, to));
  for (const file of TEXT_FILES) writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replaceAll("{{name}}", name));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(projectManifest(name), null, 2)}\n`);
  return { dir, name, files: listFiles(dir) };
}

function projectManifest(name: string) {
  const { version } = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
  return {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { start: "tsx src/main.ts", test: "tsx --test test/*.test.ts", typecheck: "tsc -p tsconfig.json" },
    dependencies: { flowlet: `^${version}`, "@flowlet/llm": `^${version}` },
    devDependencies: { ...TOOL_VERSIONS },
  };
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

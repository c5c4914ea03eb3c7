import type { ExportedSymbol, ModuleFacts } from "./types.js";

const EXCERPT_LINES = 8;

/**
 * Imports and top-level definitions of a Python file by a line scan: Python's import statements
 * and `def`/`class` headers are line-oriented, so no parser is needed for them.
 *
 * Known limits: imports built at run time (`importlib.import_module(name)`) are not seen; a
 * `from x import (…)` list is read across lines, but other backslash continuations are not;
 * `from . import name` counts only when `name` is a submodule; text inside triple-quoted strings is
 * skipped. The exports are the names a literal `__all__` lists (a list or tuple, across lines,
 * `+=` included; names it lists that the file does not define are re-exports), else every
 * top-level `def`/`class` without a leading underscore. A class also lists its public methods.
 */
export function analyzePython(content: string): ModuleFacts {
  const lines = content.split(/\r?\n/);
  const imports: string[] = [];
  const exports: ExportedSymbol[] = [];
  let inString: string | undefined;
  let doc: string | undefined;
  let seenCode = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inString) {
      if (countOf(line, inString) % 2 === 1) inString = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (!seenCode && /^[rRuU]?("""|''')/.test(trimmed)) {
      doc = docstringAt(lines, i);
    }
    if (trimmed && !trimmed.startsWith("#")) seenCode = true;

    const plainImport = /^\s*import\s+(.+?)\s*(?:#.*)?$/.exec(line);
    const fromImport = /^\s*from\s+(\.*[\w.]*)\s+import\s+(.+?)\s*(?:#.*)?$/.exec(line);
    const definition = /^(async\s+def|def|class)\s+(\w+)/.exec(line);
    if (plainImport) {
      for (const part of plainImport[1]!.split(",")) imports.push(part.trim().split(/\s+as\s+/)[0]!);
    } else if (fromImport) {
      let names = fromImport[2]!;
      if (names.startsWith("(") && !names.includes(")")) {
        while (i + 1 < lines.length && !names.includes(")")) names += ` ${lines[++i]!.replace(/#.*/, "")}`;
      }
      const module = fromImport[1]!;
      const list = names
        .replace(/[()]/g, "")
        .split(",")
        .map((name) => name.trim().split(/\s+as\s+/)[0]!)
        .filter(Boolean);
      // `from pkg import name` may name a submodule (pkg/name.py) or a symbol of pkg: record both and
      // let resolution decide. `from . import name` records only the submodules: the package's
      // __init__ would otherwise look like a dependency of every sibling.
      if (!/^\.+$/.test(module)) imports.push(module);
      for (const name of list) if (name !== "*") imports.push(`${module}${module.endsWith(".") ? "" : "."}${name}`);
    } else if (definition) {
      const end = blockEnd(lines, i);
      const body = lines.slice(i, end);
      const docLine = body.findIndex((text, index) => index > 0 && text.trim() !== "");
      exports.push({
        name: definition[2]!,
        kind: definition[1]!.endsWith("def") ? "function" : "class",
        doc: docLine > 0 ? docstringAt(lines, i + docLine) : undefined,
        excerpt: body.length > EXCERPT_LINES ? `${body.slice(0, EXCERPT_LINES).join("\n")}\n    # …` : body.join("\n").trimEnd(),
        line: i + 1,
        ...(definition[1] === "class" && { members: publicMethods(body) }),
      });
    }
    for (const quote of ['"""', "'''"]) {
      if (countOf(line, quote) % 2 === 1) {
        inString = quote;
        break;
      }
    }
  }
  const listed = dunderAll(content);
  if (!listed) return { imports: [...new Set(imports)], exports: exports.filter((symbol) => !symbol.name.startsWith("_")), doc };
  const defined = new Map(exports.map((symbol) => [symbol.name, symbol]));
  const chosen = listed.map((name) => defined.get(name) ?? { name, kind: "re-export", line: 1 });
  return { imports: [...new Set(imports)], exports: chosen, doc };
}

/** The names of a literal `__all__` (assigned and `+=`-extended lists or tuples of strings), or undefined when there is none. */
function dunderAll(content: string): string[] | undefined {
  const matches = [...content.matchAll(/^__all__\s*(?::[^=\n]*)?(\+?=)\s*[[(]([^\])]*)[\])]/gm)];
  if (matches.length === 0) return undefined;
  const names: string[] = [];
  for (const match of matches) {
    if (match[1] === "=") names.length = 0;
    for (const name of match[2]!.matchAll(/["']([A-Za-z_]\w*)["']/g)) if (!names.includes(name[1]!)) names.push(name[1]!);
  }
  return names;
}

/** The public methods defined directly in a class body (one indent level in). */
function publicMethods(body: string[]): string[] {
  const indent = /^(\s+)\S/.exec(body.slice(1).find((line) => line.trim() !== "") ?? "")?.[1] ?? "    ";
  const names = body.flatMap((line) => {
    const match = new RegExp(`^${indent}(?:async\\s+)?def\\s+(\\w+)`).exec(line);
    return match && (!match[1]!.startsWith("_") || match[1] === "__init__" || match[1] === "__call__") ? [match[1]!] : [];
  });
  return [...new Set(names)];
}

function countOf(line: string, quote: string): number {
  return line.split(quote).length - 1;
}

/** The text of a triple-quoted string starting on line `start`, or `undefined` if none starts there. */
function docstringAt(lines: string[], start: number): string | undefined {
  const first = lines[start]!.trim();
  const quote = /^[rRuU]?("""|''')/.exec(first)?.[1];
  if (!quote) return undefined;
  const opened = first.slice(first.indexOf(quote) + 3);
  if (opened.includes(quote)) return opened.slice(0, opened.indexOf(quote)).trim() || undefined;
  const text = [opened];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.includes(quote)) {
      text.push(line.slice(0, line.indexOf(quote)));
      break;
    }
    text.push(line);
  }
  return dedent(text).trim() || undefined;
}

/** The index after the last line of the indented block whose header is on line `start`. */
function blockEnd(lines: string[], start: number): number {
  let end = start + 1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) break;
    end = i + 1;
  }
  return end;
}

function dedent(lines: string[]): string {
  const indents = lines
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => /^\s*/.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [lines[0]!, ...lines.slice(1).map((line) => line.slice(cut))].join("\n");
}

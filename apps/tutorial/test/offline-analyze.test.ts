import { describe, expect, it } from "vitest";
import { analyzeJavaScript, analyzeProject, analyzePython, orderByDependencies } from "../src/offline/index.js";

describe("analyzeJavaScript", () => {
  it("finds static, type, re-export, dynamic and require imports", () => {
    const facts = analyzeJavaScript(
      "src/a.ts",
      [
        'import { x } from "./x.js";',
        'import type { T } from "./types.js";',
        'export * from "./all.js";',
        'export { y as z } from "./y.js";',
        'const lazy = await import("./lazy.js");',
        'const old = require("./old.cjs");',
        'import "side-effect";',
      ].join("\n"),
    );
    expect(facts.imports.sort()).toEqual(["./all.js", "./lazy.js", "./old.cjs", "./types.js", "./x.js", "./y.js", "side-effect"]);
  });

  it("lists exported symbols with kinds, doc comments and short excerpts", () => {
    const source = [
      "/** The file's own doc. */",
      'import { x } from "./x.js";',
      "",
      "/** Adds things.",
      " * Uses {@link x}.",
      " */",
      "export function add(a: number, b: number): number {",
      "  return a + b;",
      "}",
      "// not a doc comment",
      "export class Box<T> {",
      ...Array.from({ length: 20 }, (_, i) => `  field${i} = ${i};`),
      "}",
      "export const one = 1, two = 2;",
      "export interface Shape { size: number }",
      "export type Id = string;",
      "export enum Color { Red }",
      "export default function main() {}",
    ].join("\n");
    const facts = analyzeJavaScript("src/a.ts", source);
    expect(facts.doc).toBe("The file's own doc.");
    const byName = Object.fromEntries(facts.exports.map((symbol) => [symbol.name, symbol]));
    expect(Object.keys(byName)).toEqual(["add", "Box", "one", "two", "Shape", "Id", "Color", "default"]);
    expect(byName.add).toMatchObject({ kind: "function", doc: "Adds things.\nUses {@link x}.", line: 7 });
    expect(byName.add!.excerpt).toContain("return a + b;");
    expect(byName.Box!.doc).toBeUndefined();
    expect(byName.Box!.excerpt!.split("\n")).toHaveLength(9);
    expect(byName.Box!.excerpt).toMatch(/\/\/ …$/);
    expect(byName.one!.kind).toBe("const");
    expect(byName.Shape!.kind).toBe("interface");
    expect(byName.Id!.kind).toBe("type");
    expect(byName.Color!.kind).toBe("enum");
    expect(byName.default!.kind).toBe("default function");
  });

  it("reads JSX, and keeps what it can from a file with syntax errors", () => {
    expect(
      analyzeJavaScript("ui/view.jsx", 'import React from "react";\nexport const View = () => <div className="x">hi</div>;\n').exports[0]
        ?.name,
    ).toBe("View");
    const broken = analyzeJavaScript("src/broken.ts", 'import { a } from "./a.js";\nexport function ok() {}\nexport const = ;\n');
    expect(broken.parseError).toBeTruthy();
  });

  it("handles non-ASCII text before declarations (offsets are UTF-16)", () => {
    const facts = analyzeJavaScript("src/ü.ts", "/** Ünïcödé 🎉 doc */\nexport const naïve = '✓';\n");
    expect(facts.exports[0]).toMatchObject({ name: "naïve", doc: "Ünïcödé 🎉 doc", excerpt: "export const naïve = '✓';" });
  });
});

describe("analyzePython", () => {
  it("reads import lines, parenthesised lists and relative imports, but not imports inside strings", () => {
    const facts = analyzePython(
      [
        '"""Service layer."""',
        "import os, json as j",
        "from . import helpers",
        "from .models import (",
        "    User,",
        "    Group as G,  # a comment",
        ")",
        "from ..core.base import Base",
        'TEMPLATE = """',
        "import not_real",
        '"""',
        "def run():",
        "    import lazy_mod",
      ].join("\n"),
    );
    expect(facts.doc).toBe("Service layer.");
    expect(facts.imports).toEqual(
      expect.arrayContaining(["os", "json", ".helpers", ".models", ".models.User", ".models.Group", "..core.base", "lazy_mod"]),
    );
    expect(facts.imports).not.toContain("not_real");
    // `from . import helpers` is about the submodule, not the package's __init__.
    expect(facts.imports).not.toContain(".");
  });

  it("lists public top-level functions and classes with their docstrings", () => {
    const facts = analyzePython(
      [
        "class User(Base):",
        '    """A person who signs in.',
        "",
        '    Has a name."""',
        "    name: str",
        "",
        "def _private():",
        "    pass",
        "",
        "async def fetch(url):",
        "    '''Gets a URL.'''",
        "    return await get(url)",
      ].join("\n"),
    );
    expect(facts.exports.map((symbol) => [symbol.name, symbol.kind, symbol.doc, symbol.line])).toEqual([
      ["User", "class", "A person who signs in.\n\nHas a name.", 1],
      ["fetch", "function", "Gets a URL.", 10],
    ]);
    expect(facts.exports[1]?.excerpt).toBe("async def fetch(url):\n    '''Gets a URL.'''\n    return await get(url)");
  });
});

describe("orderByDependencies", () => {
  it("puts dependencies first, keeps a cycle together, and breaks ties by how much a node is used", () => {
    const deps = new Map<string, Set<string>>([
      ["app", new Set(["a", "util"])],
      ["a", new Set(["b", "util"])],
      ["b", new Set(["a"])],
      ["util", new Set()],
      ["lone", new Set()],
    ]);
    const order = orderByDependencies(["app", "a", "b", "util", "lone"], deps);
    expect(order).toHaveLength(5);
    expect(order.indexOf("util")).toBeLessThan(order.indexOf("a"));
    expect(Math.abs(order.indexOf("a") - order.indexOf("b"))).toBe(1);
    expect(order.indexOf("a")).toBeLessThan(order.indexOf("app"));
    expect(order[0]).toBe("util");
  });

  it("handles a 20 000-long dependency chain without overflowing the stack", () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
    const deps = new Map(nodes.map((node, i) => [node, new Set(i + 1 < nodes.length ? [`n${i + 1}`] : [])]));
    const order = orderByDependencies(nodes, deps);
    expect(order[0]).toBe("n19999");
    expect(order.at(-1)).toBe("n0");
  });
});

describe("analyzeProject", () => {
  const files = [
    {
      path: "src/index.ts",
      content: 'export { add } from "./math/add.js";\nimport { log } from "./io/log.js";\nexport const run = () => log(add(1, 2));\n',
    },
    {
      path: "src/math/add.ts",
      content: '/** Adds. */\nexport function add(a: number, b: number) { return a + b; }\nimport { fmt } from "../io";\n',
    },
    { path: "src/io/index.ts", content: 'export { fmt } from "./format.js";\n' },
    { path: "src/io/format.ts", content: 'import { add } from "../math/add.js";\nexport const fmt = (n: number) => String(add(n, 0));\n' },
    { path: "src/io/log.ts", content: "export const log = (s: unknown) => console.log(s);\n" },
    { path: "py/pkg/__init__.py", content: "" },
    { path: "py/pkg/models.py", content: "class User:\n    pass\n" },
    { path: "py/pkg/service.py", content: "from .models import User\nfrom . import helpers\nimport requests\nimport pkg.models\n" },
    { path: "py/pkg/helpers.py", content: "def helper():\n    pass\n" },
    { path: "py/pkg/cli.py", content: "import pkg.helpers\nimport os.path\n" },
    { path: "README.md", content: "# Demo\n\nA small demo project.\n" },
    { path: "src/math/README.md", content: "# Math\n\n![badge](x.svg)\n\nPure arithmetic helpers.\n" },
  ];

  it("resolves relative imports (.js to .ts, folder index, Python packages) to files of the project", () => {
    const { modules } = analyzeProject(files, 10);
    const deps = Object.fromEntries(modules.map((module) => [module.path, module.dependsOn.sort()]));
    expect(deps["src/index.ts"]).toEqual(["src/io/log.ts", "src/math/add.ts"]);
    expect(deps["src/math/add.ts"]).toEqual(["src/io/index.ts"]);
    expect(deps["src/io/index.ts"]).toEqual(["src/io/format.ts"]);
    expect(deps["py/pkg/service.py"]).toEqual(["py/pkg/helpers.py", "py/pkg/models.py"]);
    // An absolute import from another source root (py/) resolves by its unique path suffix.
    expect(deps["py/pkg/cli.py"]).toEqual(["py/pkg/helpers.py"]);
    expect(modules.find((module) => module.path === "py/pkg/cli.py")?.external).toEqual(["os"]);
    expect(modules.find((module) => module.path === "py/pkg/service.py")?.external).toEqual(["requests"]);
  });

  it("groups modules by folder into chapters ordered by dependency, with cycles handled", () => {
    const { chapters, languages } = analyzeProject(files, 10);
    expect(languages.get("TypeScript")).toBe(5);
    expect(languages.get("Python")).toBe(5);
    const titles = chapters.map((chapter) => chapter.title);
    expect(titles.sort()).toEqual(["py/pkg", "src", "src/io", "src/math"]);
    const ordered = chapters.map((chapter) => chapter.title);
    // src/io and src/math import each other (a cycle): both come before src, which uses both.
    expect(ordered.indexOf("src")).toBeGreaterThan(ordered.indexOf("src/io"));
    expect(ordered.indexOf("src")).toBeGreaterThan(ordered.indexOf("src/math"));
    const src = chapters.find((chapter) => chapter.title === "src")!;
    expect(src.dependsOn.map((i) => chapters[i]!.title).sort()).toEqual(["src/io", "src/math"]);
    expect(chapters.find((chapter) => chapter.title === "src/math")?.intro).toBe("Pure arithmetic helpers.");
  });

  it("merges the most closely related folders to stay within the chapter limit", () => {
    const { chapters } = analyzeProject(files, 2);
    expect(chapters.map((chapter) => chapter.folder).sort()).toEqual(["py/pkg", "src"]);
    expect(chapters.find((chapter) => chapter.folder === "src")?.modules).toHaveLength(5);
    expect(analyzeProject(files, 1).chapters.map((chapter) => chapter.title)).toEqual(["Top-level files"]);
  });
});

/**
 * The core's structure: its modules import one another in one direction (no cycle, type-only
 * imports included), it imports nothing outside itself, and its published types show no internals.
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier of `import`/`export … from` statements and `import("…")` types in a file. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^;'"]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const match of text.matchAll(pattern)) found.push((match[1] ?? match[2]) as string);
  return found;
}

/** The import graph: file → the files it imports, relative to src. */
function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sources(src)) {
    const from = relative(src, file);
    const to = specifiers(readFileSync(file, "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => relative(src, resolve(dirname(file), s.replace(/\.js$/, ".ts"))));
    edges.set(from, to);
  }
  return edges;
}

/** The first cycle found, as a path of files, or undefined. */
export function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("core structure", () => {
  it("the cycle finder finds a cycle, type-only imports included", () => {
    const files = new Map([
      ["a.ts", specifiers('import type { B } from "./b.js";')],
      ["b.ts", specifiers('import { c } from "./c.js";\nexport { x } from "./x.js";')],
      ["c.ts", specifiers('type A = import("./a.js").A;')],
    ]);
    const resolved = new Map([...files].map(([f, to]) => [f, to.map((s) => s.replace(/^\.\//, "").replace(/\.js$/, ".ts"))]));
    expect(findCycle(resolved)).toEqual(["a.ts", "b.ts", "c.ts", "a.ts"]);
  });

  it("has no import cycle in packages/flowlet/src", () => {
    const edges = graph();
    expect(edges.size).toBeGreaterThan(10);
    expect(findCycle(edges)).toBeUndefined();
  });

  it("imports nothing but its own modules: zero dependencies, no node: built-ins", () => {
    const outside = sources(src).flatMap((file) =>
      specifiers(readFileSync(file, "utf8"))
        .filter((s) => !s.startsWith("."))
        .map((s) => `${relative(src, file)}: ${s}`),
    );
    expect(outside).toEqual([]);
  });
});

describe("published types", () => {
  it("show no underscore members and no internals, and type-check on their own", async () => {
    const ts = (await import("typescript")).default;
    const config = ts.getParsedCommandLineOfConfigFile(
      fileURLToPath(new URL("../tsconfig.build.json", import.meta.url)),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    if (!config) throw new Error("tsconfig.build.json did not parse");
    const out = await mkdtemp(join(tmpdir(), "flowlet-dts-"));
    try {
      const options = { ...config.options, outDir: out, emitDeclarationOnly: true, declarationMap: false, sourceMap: false };
      const emitted = ts.createProgram(config.fileNames, options).emit();
      expect(emitted.diagnostics).toEqual([]);
      const files = readdirSync(out).filter((f) => f.endsWith(".d.ts"));
      expect(files).toContain("index.d.ts");
      const leaks = files.flatMap((f) =>
        readFileSync(join(out, f), "utf8")
          .split("\n")
          .filter(
            (line) =>
              /^\s+(?:(?:readonly|static|get|set|abstract|protected|declare)\s+)*_\w*\s*[(:?<]/.test(line) || /@internal/.test(line),
          )
          .map((line) => `${f}: ${line.trim()}`),
      );
      expect(leaks).toEqual([]);
      // The declarations alone, as a user's compiler sees them, must be complete and valid.
      const check = ts.createProgram([join(out, "index.d.ts")], {
        strict: true,
        noEmit: true,
        types: [],
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      });
      const problems = ts.getPreEmitDiagnostics(check).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(problems).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 240_000); // two TypeScript programs: slow on a loaded machine
});

import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
let scratch = "";
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The package a bare specifier names: "@a2a-js/sdk/server" → "@a2a-js/sdk". */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

describe("the published types", () => {
  // Issue #17: a user's tsc at default settings (skipLibCheck: false) loads every declaration file
  // our index reaches, so none may import a package that is not one of our dependencies (such as
  // express, whose types are only a devDependency here).
  it("reach only our dependencies' types from index.d.ts, never express's", async () => {
    scratch = await mkdtemp(join(tmpdir(), "flowlet-interop-types-"));
    await run(process.execPath, [
      tsc,
      "-p",
      join(root, "packages/interop/tsconfig.build.json"),
      "--emitDeclarationOnly",
      "--declarationMap",
      "false",
      "--outDir",
      scratch,
    ]);
    const manifest = JSON.parse(await readFile(join(root, "packages/interop/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set(Object.keys(manifest.dependencies));
    const reached = new Set<string>();
    const imported = new Set<string>();
    const visit = async (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = await readFile(file, "utf8");
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) {
        if (!specifier) continue;
        if (specifier.startsWith(".")) await visit(join(dirname(file), specifier.replace(/\.js$/, ".d.ts")));
        else imported.add(specifier);
      }
    };
    await visit(join(scratch, "index.d.ts"));
    expect(reached.size).toBeGreaterThan(5);
    expect([...reached].map((f) => f.slice(scratch.length + 1)).filter((f) => f === "http.d.ts")).toEqual([]);
    const foreign = [...imported].filter((s) => !s.startsWith("node:") && !builtinModules.includes(s) && !allowed.has(packageOf(s)));
    expect(foreign).toEqual([]);
    expect((await readdir(scratch)).length).toBeGreaterThan(reached.size); // the internal files exist, unreached
  }, 180_000);
});

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("the published types", () => {
  // Issue #17: a user's tsc at default settings (skipLibCheck: false) must accept what we ship,
  // and must not need packages we do not depend on (e.g. @types/express).
  it("type-check in a consumer with skipLibCheck: false, and never reach express's types", async () => {
    scratch = await mkdtemp(join(tmpdir(), "flowlet-interop-types-"));
    // The declarations sit inside the consumer, so that their own imports resolve through its node_modules.
    const consumer = join(scratch, "consumer");
    const types = join(consumer, "types");
    await mkdir(consumer, { recursive: true });
    await symlink(join(root, "node_modules"), join(consumer, "node_modules"), "dir");
    await run(process.execPath, [tsc, "-p", join(root, "packages/interop/tsconfig.build.json"), "--emitDeclarationOnly", "--declarationMap", "false", "--outDir", types]);
    await writeFile(
      join(consumer, "index.ts"),
      [
        'import * as interop from "@flowlet/interop";',
        'import type { A2AServer, MCPConnection, ServeA2AOptions, TaskRecords } from "@flowlet/interop";',
        "export const all = interop;",
        "export type All = [A2AServer, MCPConnection, ServeA2AOptions<{ input: string }>, TaskRecords];",
      ].join("\n"),
    );
    const options = {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      target: "ES2022",
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ["node"],
      lib: ["ES2023", "DOM"],
      // Our own workspace packages resolve to their sources; @flowlet/interop to the declarations just emitted.
      customConditions: ["@flowlet/source"],
      paths: { "@flowlet/interop": [join(types, "index.d.ts")] },
    };
    await writeFile(join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions: options, files: ["index.ts"] }));
    const { stdout } = await run(process.execPath, [tsc, "-p", consumer, "--listFiles"]).catch((error: { stdout: string }) => {
      throw new Error(`tsc failed on the published types:\n${error.stdout}`);
    });
    const files = stdout.split("\n");
    expect(files.some((f) => f.includes(join("types", "index.d.ts")))).toBe(true);
    expect(files.filter((f) => /@types\/express|express-serve-static-core|[/\\]http\.d\.ts$/.test(f) && f.includes(types))).toEqual([]);
    expect(files.filter((f) => /@types[/\\](express|qs|connect|body-parser|serve-static)/.test(f))).toEqual([]);
  }, 120_000);
});

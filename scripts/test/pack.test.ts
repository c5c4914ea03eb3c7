import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Packed, REPO, buildIfStale, consumer, packAll, publishable, run, scratch, specifiers } from "./support/packed.js";

// Pack every published package as a release would, install the tarballs into a project outside
// the repository, then type-check and run an import of each, as a user would. One scratch install
// is shared by every check here, the starter's included.
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const LICENSE = readFileSync(join(REPO, "LICENSE"), "utf8");
// Every package points at the repository the root package.json names.
const ROOT_REPOSITORY = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { repository: { url: string } }).repository.url;

let dir: string;
let packed: Packed[];
let project: string;

beforeAll(async () => {
  const workspaces = publishable();
  await buildIfStale(workspaces);
  dir = scratch("flowlet-pack-");
  packed = await packAll(workspaces, dir);
  project = await consumer(packed, dir);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe("each tarball", () => {
  it("ships only package.json, LICENSE, README and built files: no src, no source maps, no tests", () => {
    for (const p of packed) {
      const stray = p.files.filter(
        (f) => !/^(package\.json|LICENSE|README\.md|dist\/.*\.(js|d\.ts)|dist\/client\/.*|bin\/.*\.js|template\/.*)$/.test(f),
      );
      expect(stray, p.manifest.name).toEqual([]);
      expect(p.files, p.manifest.name).toContain("LICENSE");
    }
  });

  it("carries the root LICENSE, and its own description, engines, repository and ./package.json export", () => {
    for (const p of packed) {
      expect(readFileSync(join(REPO, p.dir, "LICENSE"), "utf8"), `${p.dir}/LICENSE`).toBe(LICENSE);
      expect(p.published.license, p.manifest.name).toBe("MIT");
      expect(p.published.description?.length, `${p.manifest.name} description`).toBeGreaterThan(20);
      expect(p.published.engines?.node, `${p.manifest.name} engines.node`).toMatch(/^>=\d+/);
      expect(p.published.repository, p.manifest.name).toEqual({ type: "git", url: ROOT_REPOSITORY, directory: p.dir });
      expect(p.published.exports?.["./package.json"], p.manifest.name).toBe("./package.json");
    }
  });

  it("leaves the workspace-only @flowlet/source condition out of its exports", () => {
    for (const p of packed) expect(JSON.stringify(p.published.exports ?? {}), p.manifest.name).not.toContain("@flowlet/source");
  });

  it("@flowlet/studio carries its built browser UI, which a checkout builds only on demand", () => {
    const studio = packed.find((p) => p.manifest.name === "@flowlet/studio");
    expect(studio?.files).toEqual(expect.arrayContaining(["dist/client/index.html", "dist/client/app.js", "dist/client/style.css"]));
    expect(studio?.files.some((f) => f.startsWith("dist/client/chunks/"))).toBe(true);
    expect(studio?.files).not.toContain("dist/client/.inputs.sha256");
  });

  it("has a README", () => {
    for (const p of packed) expect(p.files, p.manifest.name).toContain("README.md");
  });

  it("flowlet ships one bundled module and its testing entry, the only ones its exports reach, and its type declarations", () => {
    const flowlet = packed.find((p) => p.manifest.name === "flowlet");
    // testing.js (`flowlet/testing`, the saver contract suite) imports nothing at run time.
    expect(flowlet?.files.filter((f) => f.endsWith(".js")).sort()).toEqual(["dist/flowlet.js", "dist/testing.js"]);
  });
});

describe("installed from the tarballs", () => {
  const imports = () => packed.flatMap((p) => specifiers(p.published));

  // No `lib`: tsc's default for the target, as a new project has it.
  function typecheck(resolution: "node16" | "bundler"): Promise<string> {
    const module = resolution === "node16" ? "node16" : "esnext";
    const source = imports()
      .map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`)
      .join("\n");
    writeFileSync(
      join(project, `check-${resolution}.ts`),
      `${source}\nexport const modules = [${imports()
        .map((_, i) => `m${i}`)
        .join(", ")}];\n`,
    );
    const options = {
      module,
      moduleResolution: resolution,
      target: "es2022",
      types: ["node"],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    };
    writeFileSync(
      join(project, `tsconfig.${resolution}.json`),
      JSON.stringify({ compilerOptions: options, files: [`check-${resolution}.ts`] }),
    );
    return run(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`], project).then(
      () => "",
      (error: Error) => error.message,
    );
  }

  /** tsc's errors, by the package whose files they are in, so each package's failure is its own. */
  function errorsByPackage(output: string): Record<string, string[]> {
    const byPackage: Record<string, string[]> = {};
    for (const line of output.split("\n").filter((l) => /error TS\d+/.test(l))) {
      const owner = packed.find((p) => line.includes(`node_modules/${p.manifest.name}/`))?.manifest.name ?? "(the import file)";
      byPackage[owner] = [...(byPackage[owner] ?? []), line];
    }
    return byPackage;
  }

  // Both resolutions are checked at once. The timeouts are generous: on a loaded machine one tsc run takes minutes.
  let checks: Promise<Record<"node16" | "bundler", string>> | undefined;
  const checked = () =>
    (checks ??= Promise.all([typecheck("node16"), typecheck("bundler")]).then(([node16, bundler]) => ({ node16, bundler })));
  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks an import of every package with skipLibCheck: false, moduleResolution ${resolution}`, async () => {
      expect(errorsByPackage((await checked())[resolution])).toEqual({});
    }, 400_000);
  }

  const runImports = async (conditions: string[]) => {
    const script = `const specs = ${JSON.stringify(imports())};
const counts = {};
for (const spec of specs) counts[spec] = Object.keys(await import(spec)).length;
const { Flow, Node } = await import("flowlet");
class Hello extends Node { post(shared) { shared.said = "hello"; } }
const shared = {};
await new Flow(new Hello()).run(shared);
const { SqliteSaver } = await import("@flowlet/sqlite");
const saver = new SqliteSaver(":memory:");
console.log(JSON.stringify({ counts, said: shared.said, sqlite: typeof saver.load }));
`;
    writeFileSync(join(project, "run.mjs"), script);
    return JSON.parse(await run(process.execPath, [...conditions, "run.mjs"], project)) as {
      counts: Record<string, number>;
      said: string;
      sqlite: string;
    };
  };

  it("runs an import of every package, a flow, and a SQLite saver on the native driver", async () => {
    const out = await runImports([]);
    for (const spec of imports()) expect(out.counts[spec], spec).toBeGreaterThan(0);
    expect(out).toMatchObject({ said: "hello", sqlite: "function" });
  });

  it("runs the same under node --conditions=@flowlet/source: the condition is harmless once published", async () => {
    const out = await runImports(["--conditions=@flowlet/source"]);
    for (const spec of imports()) expect(out.counts[spec], spec).toBeGreaterThan(0);
  });

  it("runs every published bin with --help", async () => {
    for (const p of packed) {
      for (const bin of Object.keys(p.published.bin ?? {})) {
        expect(await run(join(project, "node_modules", ".bin", bin), ["--help"], project), bin).toMatch(/usage/i);
      }
    }
  });
});

describe("npm create flowlet", () => {
  it("scaffolds a project from the packed starter that installs and passes its own test and type check", async () => {
    const app = join(dir, "my-app");
    await run(join(project, "node_modules", ".bin", "create-flowlet"), [app], dir);
    expect(existsSync(join(app, "docs", "design.md"))).toBe(true);
    // Flowlet is not on this machine's registry: point its packages at the tarballs under test.
    const manifestPath = join(app, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies)) {
      const p = packed.find((q) => q.manifest.name === name);
      if (p) manifest.dependencies[name] = `file:${p.tarball}`;
    }
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], app);
    expect(await run("npm", ["test"], app)).toMatch(/# pass 3/);
    await run("npm", ["run", "typecheck"], app);
  }, 400_000);
});

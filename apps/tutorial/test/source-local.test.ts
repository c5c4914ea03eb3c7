import { mkdir, mkdtemp, open, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryNotFoundError, FileSelector, loadSource, NoFilesError, readLocalDirectory } from "../src/source/index.js";

let scratch: string;
let root: string;

async function put(path: string, content: string | Buffer) {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flowlet-source-local-"));
  root = join(scratch, "project");
  const outside = join(scratch, "outside");
  await put(join(outside, "secret.ts"), "export const secret = 'outside the root';\n");
  await put(join(root, "src", "latest.ts"), "export const latest = 1;\n");
  await put(join(root, "src", "latest.test.ts"), "test('x', () => {});\n");
  await put(join(root, "tests", "helper.py"), "x = 1\n");
  await put(join(root, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
  await put(join(root, "docs", "guide.md"), "# Guide\n");
  // Hostile entries: links out of the root, a loop back to the root, a link to itself.
  await symlink(join(outside, "secret.ts"), join(root, "src", "leak.ts"));
  await symlink(outside, join(root, "src", "outside-dir"));
  await symlink(root, join(root, "src", "loop"));
  await symlink(join(root, "self-link.ts"), join(root, "self-link.ts"));
  await symlink(join(root, "src", "latest.ts"), join(root, "alias.ts"));
  // A 50 MB file, created sparse with one truncate: it must be skipped from its size alone.
  const big = await open(join(root, "src", "big.ts"), "w");
  await big.truncate(50 * 1024 * 1024);
  await big.close();
  // Binary files: by extension, and by content (a NUL byte).
  await put(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  await put(join(root, "src", "blob.ts"), Buffer.from("export const a = 1;\0\0\0binary"));
  // Non-UTF-8 text: Latin-1 and UTF-16 with a BOM.
  await put(join(root, "src", "legacy.py"), Buffer.from("# caf\xe9 cr\xe8me\nx = 1\n", "latin1"));
  await put(join(root, "src", "wide.ts"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("export const wide = 'ü';\n", "utf16le")]));
  // Nested .gitignore files, with a negation in the deeper one.
  await put(join(root, ".gitignore"), "*.gen.ts\nsecret/\n");
  await put(join(root, "pkg", ".gitignore"), "!keep.gen.ts\nlocal.ts\n");
  await put(join(root, "pkg", "keep.gen.ts"), "export const kept = 1;\n");
  await put(join(root, "pkg", "drop.gen.ts"), "export const dropped = 1;\n");
  await put(join(root, "pkg", "local.ts"), "export const local = 1;\n");
  await put(join(root, "pkg", "secret", "key.ts"), "export const key = 1;\n");
  await put(join(root, "other", "local.ts"), "export const notIgnoredHere = 1;\n");
  // A deep tree: 300 nested folders.
  const deep = join(root, ...Array.from({ length: 300 }, () => "d"));
  await put(join(deep, "deep.ts"), "export const deep = true;\n");
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("readLocalDirectory", () => {
  it("reads the selected text files and never leaves the root", async () => {
    const { files, skipped } = await readLocalDirectory(root, { selector: new FileSelector(), maxSize: 100_000 });
    const paths = files.map((file) => file.path);
    expect(paths).toEqual([
      "alias.ts",
      `${Array.from({ length: 300 }, () => "d").join("/")}/deep.ts`,
      "other/local.ts",
      "pkg/keep.gen.ts",
      "src/latest.ts",
      "src/legacy.py",
      "src/wide.ts",
    ]);
    expect(files.some((file) => file.content.includes("outside the root"))).toBe(false);
    const reasons = Object.fromEntries(skipped.map((item) => [item.path, item.reason]));
    expect(reasons).toMatchObject({
      "src/leak.ts": "outside-root",
      "src/outside-dir": "outside-root",
      "src/loop": "symlink-loop",
      "self-link.ts": "symlink-loop",
      "src/big.ts": "too-large",
      "src/blob.ts": "binary",
    });
    expect(skipped.find((item) => item.path === "src/big.ts")?.size).toBe(50 * 1024 * 1024);
  });

  it("skips binary files by extension without reading them, whatever the globs", async () => {
    const { files, skipped } = await readLocalDirectory(root, { selector: new FileSelector(["*.png", "blob.ts"], []), maxSize: 100_000 });
    expect(files).toEqual([]);
    expect(
      skipped
        .filter((item) => item.reason === "binary")
        .map((item) => item.path)
        .sort(),
    ).toEqual(["logo.png", "src/blob.ts"]);
  });

  it("decodes Latin-1 and UTF-16 files instead of failing", async () => {
    const { files } = await readLocalDirectory(root, { selector: new FileSelector(), maxSize: 100_000 });
    expect(files.find((file) => file.path === "src/legacy.py")?.content).toBe("# café crème\nx = 1\n");
    expect(files.find((file) => file.path === "src/wide.ts")?.content).toBe("export const wide = 'ü';\n");
  });

  it("applies .gitignore files at every level, deeper ones overriding", async () => {
    const { files } = await readLocalDirectory(root, { selector: new FileSelector(["*.ts"], []), maxSize: 100_000 });
    const paths = files.map((file) => file.path);
    expect(paths).toContain("pkg/keep.gen.ts");
    expect(paths).toContain("other/local.ts");
    expect(paths).not.toContain("pkg/drop.gen.ts");
    expect(paths).not.toContain("pkg/local.ts");
    expect(paths).not.toContain("pkg/secret/key.ts");
    // Without the default excludes, test files and node_modules come back, .gitignore still applies.
    expect(paths).toContain("src/latest.test.ts");
    expect(paths.some((path) => path.startsWith("node_modules/"))).toBe(false);
  });

  it("skips files over the size limit", async () => {
    const { files, skipped } = await readLocalDirectory(root, { selector: new FileSelector(["latest.ts", "alias.ts"], []), maxSize: 10 });
    expect(files).toEqual([]);
    expect(skipped.filter((item) => item.reason === "too-large").map((item) => item.path)).toEqual(
      expect.arrayContaining(["alias.ts", "src/latest.ts"]),
    );
  });

  it("names a missing directory, and an empty selection, with typed errors", async () => {
    await expect(readLocalDirectory(join(scratch, "missing"), { selector: new FileSelector(), maxSize: 1 })).rejects.toBeInstanceOf(
      DirectoryNotFoundError,
    );
    const error = await loadSource({ dir: root }, { selector: new FileSelector(["*.nothing"]), maxSize: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFilesError);
    expect((error as Error).message).toMatch(/--include/);
  });

  it("names the project after the folder", async () => {
    const source = await loadSource({ dir: root }, { selector: new FileSelector(), maxSize: 100_000 });
    expect(source.projectName).toBe("project");
    expect(source.sourceUrl).toBeUndefined();
  });
});

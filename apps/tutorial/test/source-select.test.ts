import { describe, expect, it } from "vitest";
import { decodeText, FileSelector, hasBinaryExtension } from "../src/source/index.js";

describe("FileSelector", () => {
  const defaults = new FileSelector();

  it("keeps latest.ts and contest/ with the defaults, while dropping real test files", () => {
    expect(defaults.selectsPath("src/latest.ts")).toBe(true);
    expect(defaults.selectsPath("latest.py")).toBe(true);
    expect(defaults.selectsPath("src/contest/attest.ts")).toBe(true);
    expect(defaults.selectsPath("src/latest.test.ts")).toBe(false);
    expect(defaults.selectsPath("src/latest.spec.js")).toBe(false);
    expect(defaults.selectsPath("pkg/test_latest.py")).toBe(false);
    expect(defaults.selectsPath("tests/helpers.py")).toBe(false);
    expect(defaults.selectsPath("packages/a/test/x.ts")).toBe(false);
    expect(defaults.selectsPath("server/handler_test.go")).toBe(false);
  });

  it("matches a pattern without a slash against names at any depth, like .gitignore", () => {
    expect(defaults.selectsPath("a/b/node_modules/c/index.js")).toBe(false);
    expect(defaults.selectsPath("deep/dist/bundle.js")).toBe(false);
    expect(defaults.selectsPath("Dockerfile")).toBe(true);
    expect(defaults.selectsPath("services/api/Dockerfile")).toBe(true);
    expect(defaults.selectsPath(".github/workflows/ci.yml")).toBe(false);
    expect(defaults.selectsPath("src/app.log")).toBe(false);
  });

  it("anchors a pattern with a slash at the root, and * never crosses a slash", () => {
    const selector = new FileSelector(["src/*.ts"], []);
    expect(selector.selectsPath("src/a.ts")).toBe(true);
    expect(selector.selectsPath("src/nested/a.ts")).toBe(false);
    expect(selector.selectsPath("lib/src/a.ts")).toBe(false);
    const globstar = new FileSelector(["src/**/*.ts"], []);
    expect(globstar.selectsPath("src/nested/deeper/a.ts")).toBe(true);
    expect(globstar.selectsPath("src/a.ts")).toBe(true);
  });

  it("selects everything under an included folder, and a trailing slash matches folders only", () => {
    const selector = new FileSelector(["src/"], ["generated/"]);
    expect(selector.selectsPath("src/a/b.py")).toBe(true);
    expect(selector.selectsPath("lib/b.py")).toBe(false);
    expect(selector.selectsPath("src/generated/x.py")).toBe(false);
    // "generated/" names a folder: a file called "generated" is not excluded by it.
    expect(new FileSelector(["*"], ["generated/"]).selectsPath("src/generated")).toBe(true);
  });

  it("matches dot files with *", () => {
    expect(new FileSelector(["*.js"], []).selectsPath(".eslintrc.js")).toBe(true);
  });

  it("always skips .git folders", () => {
    expect(new FileSelector(["*"], []).selectsPath(".git/config")).toBe(false);
  });
});

describe("decodeText", () => {
  it("decodes UTF-8, drops its BOM, and falls back to Latin-1", () => {
    expect(decodeText(Buffer.from("\uFEFFhé ✓"))).toBe("hé ✓");
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xa3]))).toBe("café £");
  });

  it("reports NUL bytes as binary, except in UTF-16 with a BOM", () => {
    expect(decodeText(Buffer.from([0x61, 0x00, 0x62]))).toBeUndefined();
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from([0x00, 0x68, 0x00, 0x69])]))).toBe("hi");
  });

  it("knows binary extensions case-insensitively, not names that merely contain them", () => {
    expect(hasBinaryExtension("assets/Logo.PNG")).toBe(true);
    expect(hasBinaryExtension("lib/png.ts")).toBe(false);
    expect(hasBinaryExtension("a.png/readme.md")).toBe(false);
  });
});

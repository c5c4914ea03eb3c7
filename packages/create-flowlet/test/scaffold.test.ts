import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidProjectNameError, TargetNotEmptyError } from "../src/errors.js";
import { scaffold } from "../src/scaffold.js";

// The end-to-end check (scaffold from the packed tarball, install, run the project's test) is in scripts/test/pack.test.ts.
const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "create-flowlet-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("scaffold", () => {
  it("writes the design doc, the nodes, the flow, its test and a .gitignore, named after the directory", () => {
    const { dir, name, files } = scaffold({ dir: join(temp(), "my-app") });
    expect(name).toBe("my-app");
    expect(files).toEqual(
      expect.arrayContaining([
        ".gitignore",
        "README.md",
        "docs/design.md",
        "package.json",
        "src/flow.ts",
        "src/llm.ts",
        "src/nodes.ts",
        "test/flow.test.ts",
      ]),
    );
    expect(readFileSync(join(dir, "docs/design.md"), "utf8")).toContain("# Design: my-app");
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(manifest.dependencies).toEqual({ flowlet: "^0.1.0", "@flowlet/llm": "^0.1.0" });
  });

  it("refuses a name npm would refuse", () => {
    expect(() => scaffold({ dir: join(temp(), "My App") })).toThrow(InvalidProjectNameError);
  });

  it("never writes into a directory that has files", () => {
    const dir = temp();
    writeFileSync(join(dir, "keep.txt"), "mine");
    expect(() => scaffold({ dir, name: "app" })).toThrow(TargetNotEmptyError);
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });
});

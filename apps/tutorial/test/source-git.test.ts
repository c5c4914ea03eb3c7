import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSelector, GitCloneError, InvalidRepositoryUrlError, loadSource, redact } from "../src/source/index.js";

let scratch: string;
let bareUrl: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
    stdio: "pipe",
  });

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flowlet-source-git-"));
  const work = join(scratch, "work");
  await mkdir(join(work, "src"), { recursive: true });
  await writeFile(join(work, "src", "app.py"), "from . import util\n\ndef main():\n    return util.x\n");
  await writeFile(join(work, "src", "util.py"), "x = 1\n");
  await writeFile(join(work, "src", "ignored.py"), "secret = 1\n");
  await writeFile(join(work, ".gitignore"), "ignored.py\n");
  git(work, "init", "--quiet", "--initial-branch=main");
  git(work, "add", "src/app.py", "src/util.py", ".gitignore");
  git(work, "commit", "--quiet", "-m", "first");
  git(scratch, "clone", "--quiet", "--bare", work, join(scratch, "demo.git"));
  bareUrl = pathToFileURL(join(scratch, "demo.git")).href;
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("git source", () => {
  it("shallow-clones a file:// URL with real git, reads it, and removes the clone", async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith("flowlet-tutorial-clone-")).length;
    const source = await loadSource({ repo: bareUrl }, { selector: new FileSelector(), maxSize: 100_000 });
    expect(source.projectName).toBe("demo");
    expect(source.sourceUrl).toBe(bareUrl);
    expect(source.files.map((file) => file.path)).toEqual(["src/app.py", "src/util.py"]);
    expect(source.files[0]?.content).toContain("def main()");
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith("flowlet-tutorial-clone-")).length;
    expect(after).toBe(before);
  });

  it("reports a failed clone as GitCloneError with git's reason", async () => {
    const missing = pathToFileURL(join(scratch, "missing.git")).href;
    const error = await loadSource({ repo: missing }, { selector: new FileSelector(), maxSize: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCloneError);
    expect((error as Error).message).toMatch(/git clone .*missing\.git failed: .+/);
  });

  it("rejects what is not a repository URL", async () => {
    await expect(loadSource({ repo: "just words" }, { selector: new FileSelector(), maxSize: 1 })).rejects.toBeInstanceOf(
      InvalidRepositoryUrlError,
    );
  });

  it("keeps credentials embedded in URLs out of messages", () => {
    expect(redact("fatal: could not read https://user:s3cret@example.com/r.git")).toBe(
      "fatal: could not read https://***@example.com/r.git",
    );
  });
});

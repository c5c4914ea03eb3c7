import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_INCLUDE, FileSelector, GitHubError, GitHubRateLimitError, loadSource, parseGitHubUrl } from "../src/source/index.js";
import { type FakeFile, startFakeGitHub } from "./fixtures/fake-github.js";

const FILES: FakeFile[] = [
  { path: "README.md", content: "# Demo\n" },
  { path: "src/index.ts", content: "export const hello = 'world';\n" },
  { path: "src/latest.ts", content: "export const latest = 2;\n" },
  { path: "src/index.test.ts", content: "test('x', () => {});\n" },
  { path: "src/huge.ts", content: "// claims to be huge\n", size: 50_000_000 },
  { path: "assets/logo.png", content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]) },
  { path: "src/icon.png", content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]) },
  { path: ".gitignore", content: "generated/\n" },
  { path: "src/generated/out.ts", content: "export const generated = 1;\n" },
  { path: "lib/legacy.py", content: Buffer.from("# caf\xe9\n", "latin1") },
  { path: "src/link.ts", content: "../../etc/passwd", symlink: true },
];

let servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function fake(branches: Record<string, FakeFile[]> = { main: FILES }) {
  const server = await startFakeGitHub({ owner: "acme", repo: "demo", branches });
  servers.push(server);
  return server;
}

const options = (apiUrl: string, extra: object = {}) => ({ selector: new FileSelector(), maxSize: 100_000, apiUrl, ...extra });

describe("parseGitHubUrl", () => {
  it("accepts repository and /tree/ URLs, and leaves .git URLs to git", () => {
    expect(parseGitHubUrl("https://github.com/acme/demo")).toEqual({ owner: "acme", repo: "demo", refAndPath: [] });
    expect(parseGitHubUrl("https://github.com/acme/demo/")).toEqual({ owner: "acme", repo: "demo", refAndPath: [] });
    expect(parseGitHubUrl("https://github.com/acme/demo/tree/feature/x/src/lib")).toEqual({
      owner: "acme",
      repo: "demo",
      refAndPath: ["feature", "x", "src", "lib"],
    });
    expect(parseGitHubUrl("https://github.com/acme/demo.git")).toBeUndefined();
    expect(parseGitHubUrl("git@github.com:acme/demo.git")).toBeUndefined();
    expect(parseGitHubUrl("https://gitlab.com/acme/demo")).toBeUndefined();
  });
});

describe("GitHub source (fake API on 127.0.0.1)", () => {
  it("reads the default branch through the trees and blobs APIs, sending the token as a header", async () => {
    const github = await fake();
    const selector = new FileSelector([...DEFAULT_INCLUDE, "*.png"]);
    const source = await loadSource({ repo: "https://github.com/acme/demo" }, { ...options(github.url), selector, token: "ghp_secret123" });
    expect(source.projectName).toBe("demo");
    expect(source.sourceUrl).toBe("https://github.com/acme/demo/tree/main");
    expect(source.files.map((file) => file.path)).toEqual(["README.md", "lib/legacy.py", "src/index.ts", "src/latest.ts"]);
    expect(source.files.find((file) => file.path === "lib/legacy.py")?.content).toBe("# café\n");
    expect(source.skipped).toEqual(
      expect.arrayContaining([
        { path: "src/huge.ts", reason: "too-large", size: 50_000_000 },
        { path: "src/icon.png", reason: "binary" },
      ]),
    );
    // The oversized, binary, ignored and excluded files were never downloaded.
    const blobRequests = github.requests.filter((request) => request.path.includes("/git/blobs/"));
    expect(blobRequests).toHaveLength(5); // .gitignore + the four selected files
    expect(github.requests.every((request) => request.headers.authorization === "Bearer ghp_secret123")).toBe(true);
    expect(github.requests[0]?.headers["user-agent"]).toBe("flowlet-tutorial");
  });

  it("resolves /tree/<branch with slashes>/<dir> and reads only that folder", async () => {
    const github = await fake({ main: FILES, "feature/x": FILES });
    const source = await loadSource({ repo: "https://github.com/acme/demo/tree/feature/x/src" }, options(github.url));
    expect(source.files.map((file) => file.path)).toEqual(["index.ts", "latest.ts"]);
    expect(source.sourceUrl).toBe("https://github.com/acme/demo/tree/feature/x/src");
    expect(github.requests.map((request) => request.path)).toContain("/repos/acme/demo/git/trees/feature/x?recursive=1");
  });

  it("waits out a rate limit (X-RateLimit-Remaining: 0 until X-RateLimit-Reset) and says so", async () => {
    const github = await fake();
    const reset = Math.ceil(Date.now() / 1000) + 1;
    github.failOnce({
      match: /\/git\/trees\//,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    });
    const status: string[] = [];
    const started = Date.now();
    const source = await loadSource(
      { repo: "https://github.com/acme/demo" },
      { ...options(github.url), onStatus: (message: string) => status.push(message) },
    );
    expect(source.files).toHaveLength(4);
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(status.join("\n")).toMatch(/rate limit reached: waiting \d+ s/);
    expect(github.requests.filter((request) => request.path.includes("/git/trees/"))).toHaveLength(2);
  });

  it("honours Retry-After on a 429", async () => {
    const github = await fake();
    github.failOnce({ match: /\/git\/blobs\//, status: 429, headers: { "retry-after": "1" } });
    const started = Date.now();
    const source = await loadSource({ repo: "https://github.com/acme/demo" }, options(github.url));
    expect(source.files).toHaveLength(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("gives up with GitHubRateLimitError when the reset is further away than the cap", async () => {
    const github = await fake();
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    github.failOnce({
      match: /\/repos\/acme\/demo$/,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    });
    const error = await loadSource(
      { repo: "https://github.com/acme/demo" },
      { ...options(github.url), maxWaitMs: 5_000, token: "ghp_secret123" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRateLimitError);
    expect((error as Error).message).toMatch(/--token or GITHUB_TOKEN/);
    expect((error as Error).message).not.toContain("ghp_secret123");
  });

  it("turns 404 and 401 into GitHubError with what to do, never echoing the token", async () => {
    const github = await fake();
    const missing = await loadSource({ repo: "https://github.com/acme/demo/tree/nope" }, options(github.url)).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitHubError);
    expect((missing as Error).message).toMatch(/No branch, tag or commit .* "nope"/);
    github.failOnce({ match: /\/repos\/acme\/demo$/, status: 401, body: { message: "Bad credentials" } });
    const denied = await loadSource({ repo: "https://github.com/acme/demo" }, { ...options(github.url), token: "ghp_secret123" }).catch(
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(GitHubError);
    expect((denied as GitHubError).status).toBe(401);
    expect((denied as Error).message).toMatch(/Bad credentials.*check --token or GITHUB_TOKEN/);
    expect((denied as Error).message).not.toContain("ghp_secret123");
  });
});

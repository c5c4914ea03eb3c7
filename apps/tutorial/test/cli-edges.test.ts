import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cloneFailure } from "../src/source/git.js";
import { kindOf, type Script, tutorReply } from "./fixtures/pipeline-support/fake-tutor.js";
import { runCli } from "./fixtures/run-cli.js";

const SHOP = fileURLToPath(new URL("./fixtures/pipeline-shop", import.meta.url));
const script: Script = {
  abstractions: [
    { name: "Catalog", description: "Where products live.", files: [2] },
    { name: "Cart", description: "What the customer picked.", files: [1] },
  ],
  summary: "Tiny Shop sells products.",
  relationships: [{ from: 1, to: 0, label: "Looks up prices in" }],
  order: [0, 1],
};

let fake: FakeLLM;
let scratch: string;
const servers: Server[] = [];

beforeEach(async () => {
  fake = await startFakeLLM({ provider: "openai", apiKey: false, model: "unused" });
  scratch = await mkdtemp(join(tmpdir(), "flowlet-cli-edges-"));
});
afterEach(async () => {
  await fake.close();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A local model server as Ollama, LM Studio or llama.cpp run it: `GET /v1/models` lists `models`,
 * and chat requests go on to the project's fake LLM (which speaks the chat wire format but has no
 * models endpoint).
 */
async function localServer(models: string[]): Promise<string> {
  const target = new URL(fake.config.baseURL);
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ object: "list", data: models.map((id) => ({ id, object: "model" })) }));
      return;
    }
    const forward = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  return `${await listen(server)}/v1`;
}

/** A port that refuses connections: a server started and closed again. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("local models with zero setup", () => {
  it("with no LLM configured, finds a local server, says which and which model, and uses it", async () => {
    fake.respond((request) => tutorReply(script, request));
    const local = await localServer(["nomic-embed-text:latest", "qwen2.5-coder:7b", "llama3.2:3b"]);
    const probe = `Ollama=${await closedPort()}/v1,LM Studio=${local}`;
    const output = join(scratch, "out");
    const { code, stdout, stderr } = await runCli(["--dir", SHOP, "--output", output, "--name", "shop"], {
      env: { FLOWLET_LLM_PROBE: probe },
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      `No LLM configured: found LM Studio at ${local}, using its model qwen2.5-coder:7b (it lists 3 models; set FLOWLET_LLM_MODEL to choose another).`,
    );
    expect(stdout).not.toContain("Structure-only");
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(new Set(fake.requests.map((r) => r.model))).toEqual(new Set(["qwen2.5-coder:7b"]));
    expect(fake.requests.map(kindOf)).toContain("chapter");
  });

  it("takes FLOWLET_LLM_MODEL when the server lists it, and falls back to offline when nothing answers", async () => {
    fake.respond((request) => tutorReply(script, request));
    const local = await localServer(["a-model", "b-model"]);
    const chosen = await runCli(["--dir", SHOP, "--output", join(scratch, "one"), "--dry-run"], {
      env: { FLOWLET_LLM_PROBE: local, FLOWLET_LLM_MODEL: "b-model" },
    });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stderr).toContain("using its model b-model");
    expect(chosen.stdout).toMatch(/Planned LLM calls: \d+ to openai model b-model/);

    const none = await runCli(["--dir", SHOP, "--output", join(scratch, "two")], {
      env: { FLOWLET_LLM_PROBE: `${await closedPort()}/v1` },
    });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain("Structure-only tutorial");
    expect(none.stderr).not.toContain("found");
  });
});

describe("visible waiting and clear errors", () => {
  it("gives up on a hung server after --timeout, saying what it waited for, without multiplying retries", async () => {
    fake.respond(() => ({ hang: true }));
    const env = { FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_BASE_URL: fake.config.baseURL, FLOWLET_LLM_MODEL: "m" };
    const started = Date.now();
    const { code, stderr } = await runCli(["--dir", SHOP, "--output", join(scratch, "out"), "--timeout", "1", "--no-cache"], { env });
    expect(code).toBe(1);
    expect(stderr).toContain("identify · abstractions: waiting for the model");
    // The client's retries show on the progress line, with the wait before each.
    expect(stderr).toMatch(/abstractions: waiting for the model, retry 1\/4 in \d+ s \(.*did not answer within 1000 ms/);
    expect(stderr).toMatch(/retry 4\/4 in \d+ s/);
    expect(stderr.trim().split("\n").at(-1)).toMatch(/^error: .*Raise --timeout \(now 1 s\).*--resume/);
    // The client's attempts only: node retries do not send the hung call again.
    expect(fake.requests.length).toBe(5);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 60_000);

  it("says so when --resume has nothing to resume: no checkpoint, or a finished run", async () => {
    fake.respond((request) => tutorReply(script, request));
    const env = { FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_BASE_URL: fake.config.baseURL, FLOWLET_LLM_MODEL: "m" };
    const { code, stderr } = await runCli(["--dir", SHOP, "--output", join(scratch, "out"), "--name", "shop", "--resume"], { env });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Nothing to resume: no checkpoint of "shop" in .*checkpoints\. Starting a new run\./);
    const again = await runCli(["--dir", SHOP, "--output", join(scratch, "out"), "--name", "shop", "--resume"], { env });
    expect(again.stderr).toMatch(/Nothing to resume: the last run of "shop" finished, and its tutorial is at .*index\.md\./);
  });

  it("refuses an --output that is a file, before any work, with exit 2", async () => {
    const file = join(scratch, "taken");
    await writeFile(file, "x");
    for (const output of [file, join(file, "below")]) {
      const { code, stderr } = await runCli(["--dir", SHOP, "--output", output, "--llm", "none"]);
      expect(code).toBe(2);
      expect(stderr.trim()).toMatch(/^error: --output .* cannot hold the tutorial: .*is a file, not a folder\. Pass a folder/);
    }
  });

  it("reports an unreachable GitHub as such, not as 'fetch failed'", async () => {
    const { code, stderr } = await runCli(["--repo", "https://github.com/acme/demo", "--output", join(scratch, "o")], {
      env: { FLOWLET_GITHUB_API_URL: await closedPort() },
    });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n").at(-1)).toMatch(
      /^error: Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Check the network connection/,
    );
    expect(stderr).not.toContain("fetch failed");
  });

  it("keeps git's whole reason for a failed clone, in one sentence", () => {
    const stderr =
      "Cloning into 'x'...\nssh: Could not resolve hostname example.invalid: Name or service not known\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
    expect(cloneFailure(stderr)).toBe(
      "ssh: Could not resolve hostname example.invalid: Name or service not known. Could not read from remote repository. Please make sure you have the correct access rights and the repository exists",
    );
  });
});

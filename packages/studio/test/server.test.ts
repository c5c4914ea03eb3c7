import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemorySaver } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointSourceError, type Studio, StudioClientMissingError, StudioOptionsError, openSaver, startStudio } from "../src/index.js";
import { fillRegistry } from "./registry.js";

/** A stand-in for the built UI: these tests exercise the server (the browser tests use the real build). */
const UI = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "client");

let studio: Studio | undefined;
afterEach(async () => {
  await studio?.close();
  studio = undefined;
});

/** A raw HTTP request, so the test controls every header (Host included). */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("Studio's server", () => {
  it("listens on 127.0.0.1 on a free port, and refuses another Host (DNS rebinding)", async () => {
    studio = await startStudio({ checkpoints: new MemorySaver(), clientDir: UI });
    expect(studio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await call(`${studio.url}api/runs`)).status).toBe(200);
    expect((await call(`${studio.url}api/runs`, { headers: { host: "evil.example:80" } })).status).toBe(403);
  });

  it("refuses writes that are not JSON or come from another origin", async () => {
    studio = await startStudio({ checkpoints: new MemorySaver(), clientDir: UI });
    const form = await call(`${studio.url}api/runs/x/answer`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(form.status).toBe(415);
    const cross = await call(`${studio.url}api/runs/x/answer`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: "{}",
    });
    expect(cross.status).toBe(403);
    const noFlow = await call(`${studio.url}api/runs/x/answer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(noFlow.status).toBe(409);
    expect(JSON.parse(noFlow.body).error.message).toContain("--flow");
  });

  it("binds elsewhere only with a token: makes one up, and asks for it", async () => {
    studio = await startStudio({ checkpoints: new MemorySaver(), host: "0.0.0.0", clientDir: UI });
    const url = new URL(studio.url);
    const token = url.searchParams.get("token");
    expect(token).toMatch(/^[\w-]{20,}$/);
    const base = `http://127.0.0.1:${url.port}`;
    expect((await call(`${base}/api/runs`)).status).toBe(401);
    expect((await call(`${base}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const opened = await call(`${base}/?token=${token}`);
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    expect((await call(`${base}/api/runs`, { headers: { cookie } })).status).toBe(200);
    await expect(startStudio({ checkpoints: new MemorySaver(), host: "0.0.0.0", token: "short" })).rejects.toThrow(StudioOptionsError);
  });

  it("pages 10,000 runs with 100,000 events on the server, filtered by status and text", async () => {
    const saver = new MemorySaver();
    await fillRegistry(saver, 10_000, 10);
    studio = await startStudio({ checkpoints: saver, clientDir: UI });
    const first = JSON.parse((await call(`${studio.url}api/runs?limit=50`)).body);
    expect(first.total).toBe(10_000);
    expect(first.runs).toHaveLength(50);
    expect(first.runs[0].runId).toBe("bulk-09999"); // newest first
    expect(first.counts).toEqual({ completed: 4000, failed: 2000, interrupted: 2000, running: 2000 });
    const last = JSON.parse((await call(`${studio.url}api/runs?limit=50&offset=9990`)).body);
    expect(last.runs.map((r: { runId: string }) => r.runId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `bulk-${String(9 - i).padStart(5, "0")}`),
    );
    const failed = JSON.parse((await call(`${studio.url}api/runs?status=failed&q=bulk-0001`)).body);
    expect(failed.total).toBe(2); // bulk-00012 and bulk-00017
    const events = JSON.parse((await call(`${studio.url}api/runs/bulk-00042/events?after=4`)).body);
    expect(events.events.map((e: { seq: number }) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it("says what to give when --checkpoints cannot be opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "studio-open-"));
    try {
      await expect(openSaver(join(dir, "missing"))).rejects.toThrow(CheckpointSourceError);
      writeFileSync(join(dir, "notes.txt"), "not a database");
      await expect(openSaver(join(dir, "notes.txt"))).rejects.toThrow(/not a SQLite database/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("will not serve a page without a built UI, and names the command that builds it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "studio-no-ui-"));
    try {
      const started = startStudio({ checkpoints: new MemorySaver(), clientDir: empty });
      await expect(started).rejects.toThrow(StudioClientMissingError);
      await expect(started).rejects.toThrow(`Studio's browser UI is not built in ${empty}`);
      await expect(started).rejects.toThrow("build-client.mjs");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

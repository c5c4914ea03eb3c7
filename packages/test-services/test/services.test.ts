import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { postgresBinDir, startPostgres, startRedis } from "@flowlet/test-services";
import { describe, expect, it } from "vitest";

/** Sends raw RESP commands and returns the raw reply. */
function redis(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("error", reject);
    socket.on("connect", () => socket.write(command));
    socket.on("data", (d) => {
      socket.destroy();
      resolve(d.toString());
    });
  });
}

describe("test services", () => {
  it("starts Redis on a free port, keeps its data across a restart with appendOnly, and cleans up", async () => {
    const server = await startRedis({ appendOnly: true });
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await redis(server.port, "SET k v\r\n")).toBe("+OK\r\n");
      expect(await redis(server.port, "CONFIG GET maxmemory-policy\r\n")).toContain("noeviction");
      await server.restart();
      expect(await redis(server.port, "GET k\r\n")).toBe("$1\r\nv\r\n");
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    await expect(redis(server.port, "PING\r\n")).rejects.toThrow();
  });

  it("starts two PostgreSQL clusters side by side and stops them", async () => {
    expect(postgresBinDir()).toMatch(/bin$/);
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      const psql = (url: string) => execFileSync("psql", [url, "-tAc", "select 40 + 2"], { encoding: "utf8" }).trim();
      expect(psql(a.url)).toBe("42");
      expect(psql(b.url)).toBe("42");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(existsSync(a.dir)).toBe(false);
  });
});

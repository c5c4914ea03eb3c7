import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onExit } from "./cleanup.js";
import { ServiceMissingError, ServiceStartError } from "./errors.js";
import { freePort, isExecutable, onPath, tail, waitFor } from "./system.js";

/** A throwaway server: where to reach it, and how to stop it (which also deletes its data). */
export interface TestService {
  /** `redis://127.0.0.1:PORT` or `postgres://flowlet@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Its data directory, deleted by `stop`. */
  readonly dir: string;
  stop(): Promise<void>;
}

export interface TestRedis extends TestService {
  /** Stops the server and starts it again on the same port, keeping its append-only file if `appendOnly`. */
  restart(options?: { downMs?: number }): Promise<void>;
}

export interface StartRedisOptions {
  /** Persist writes to an append-only file (fsync every second), so that `restart` keeps the data. Default false. */
  appendOnly?: boolean;
}

function redisBinary(): string {
  const found =
    process.env.FLOWLET_REDIS_SERVER ??
    onPath("redis-server") ??
    ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(isExecutable);
  if (!found) {
    throw new ServiceMissingError(
      "redis-server is not installed, and these tests need a real Redis. Install it: `apt-get install redis-server` on Debian/Ubuntu, " +
        "`brew install redis` on macOS, or set FLOWLET_REDIS_SERVER to its path.",
    );
  }
  return found;
}

/** Answers true once the server replies +PONG to a PING on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/**
 * Starts a private `redis-server` on a free port of 127.0.0.1, with its data in a fresh temporary
 * directory and `maxmemory-policy noeviction` (BullMQ requires it). Throws {@link ServiceMissingError}
 * when Redis is not installed.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const binary = redisBinary();
  const dir = mkdtempSync(join(tmpdir(), "flowlet-redis-"));
  const logfile = join(dir, "redis.log");
  let port = 0;
  // A child of this process rather than a daemon: its exit is reaped at once, so `stop` and
  // `restart` know exactly when the port is free again.
  let child: ChildProcess | undefined;

  const launch = async (): Promise<boolean> => {
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--logfile",
      logfile,
      "--maxmemory-policy",
      "noeviction",
      "--appendonly",
      options.appendOnly ? "yes" : "no",
      "--appendfsync",
      "everysec",
    ];
    const spawned = spawn(binary, args, { stdio: "ignore" });
    let exited = false;
    spawned.on("exit", () => {
      exited = true;
    });
    spawned.on("error", () => {
      exited = true;
    });
    child = spawned;
    const up = await waitFor(async () => exited || (await ping(port)), 10_000);
    if (!up || exited) {
      child = undefined;
      if (!exited) spawned.kill("SIGKILL");
      return false;
    }
    return true;
  };

  const stopServer = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await launch()) break;
    // Another process may have taken the port between the probe and the bind.
    if (attempt === 2 || !tail(logfile).includes("Address already in use")) {
      const log = tail(logfile);
      rmSync(dir, { recursive: true, force: true });
      throw new ServiceStartError(`redis-server did not start on 127.0.0.1:${port}. Its log:\n${log}`);
    }
  }
  const forget = onExit(() => child?.kill("SIGKILL"));

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart({ downMs = 0 } = {}) {
      await stopServer();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      if (!(await launch())) throw new ServiceStartError(`redis-server did not restart on port ${port}. Its log:\n${tail(logfile)}`);
    },
    async stop() {
      await stopServer();
      forget();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

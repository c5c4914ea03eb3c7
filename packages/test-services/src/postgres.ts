import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onExit } from "./cleanup.js";
import { ServiceMissingError, ServiceStartError } from "./errors.js";
import type { TestService } from "./redis.js";
import { freePort, isExecutable, onPath, run, tail } from "./system.js";

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's crash safety (fsync, synchronous commit). Default false: tests do not need
   * it and run faster; benchmarks that compare with other durable stores turn it on.
   */
  durable?: boolean;
}

const MISSING =
  "PostgreSQL's server is not installed, and these tests need a real one. Install it: `apt-get install postgresql` on Debian/Ubuntu, " +
  "`brew install postgresql` on macOS, or set FLOWLET_PG_BIN to the directory holding initdb and pg_ctl.";

/** The directory holding initdb and pg_ctl: FLOWLET_PG_BIN, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.FLOWLET_PG_BIN) candidates.push(process.env.FLOWLET_PG_BIN);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    candidates.push(...versions.map((v) => join(debian, v, "bin")));
  }
  const initdb = onPath("initdb");
  if (initdb) candidates.push(join(initdb, ".."));
  const found = candidates.find((dir) => isExecutable(join(dir, "initdb")) && isExecutable(join(dir, "pg_ctl")));
  if (!found) throw new ServiceMissingError(MISSING);
  return found;
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user that the package creates. */
async function runAs(): Promise<{ uid: number; gid: number; prefix: string[] } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = await run("id", ["-u", "postgres"]);
  const gid = await run("id", ["-g", "postgres"]);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new ServiceMissingError(`Running as root, PostgreSQL needs the unprivileged \`postgres\` user, which does not exist. ${MISSING}`);
  }
  return { uid: Number(uid.output), gid: Number(gid.output), prefix: ["runuser", "-u", "postgres", "--"] };
}

/**
 * Starts a private PostgreSQL cluster on a free port of 127.0.0.1, with trust authentication for
 * user `flowlet` and its data in a fresh temporary directory. Works as root (through `runuser -u
 * postgres`) and as an ordinary user. Throws {@link ServiceMissingError} when PostgreSQL is absent.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestService> {
  const bin = postgresBinDir();
  const user = await runAs();
  const dir = mkdtempSync(join(tmpdir(), "flowlet-pg-"));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const exec = (tool: string, args: string[]) => {
    const command = [...(user?.prefix ?? []), join(bin, tool), ...args];
    return run(command[0]!, command.slice(1), { timeoutMs: 120_000 });
  };
  const fail = (message: string): never => {
    rmSync(dir, { recursive: true, force: true });
    throw new ServiceStartError(message);
  };

  const init = await exec("initdb", ["-D", data, "-A", "trust", "-U", "flowlet", "-E", "UTF8", "--no-sync"]);
  if (init.code !== 0) fail(`initdb failed (exit ${init.code}):\n${init.output}`);

  const settings = options.durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const server = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${settings}`;
    const start = await exec("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", server, "start"]);
    if (start.code === 0) break;
    if (attempt === 2 || !tail(log).includes("already in use"))
      fail(`PostgreSQL did not start on 127.0.0.1:${port}:\n${start.output}\n${tail(log)}`);
  }

  const postmasterPid = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const pid = postmasterPid();
  // SIGQUIT is PostgreSQL's immediate shutdown: enough for a throwaway cluster at exit.
  const forget = onExit(() => process.kill(pid, "SIGQUIT"));
  let stopped = false;

  return {
    url: `postgres://flowlet@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      forget();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `run` before and after a change to the core, with streaming unused, next to pocketflow, in one
 * process: `npx tsx bench/src/before-after.ts [ref]` (default ref: f8c7ec4, the core before issue #11).
 * The core at `ref` is extracted with `git archive` into a temporary folder and imported from there.
 * CPU time per transition (this process's own work, so the shared machine's load barely moves it),
 * medians of interleaved rounds after warm-up: W1 (a chain of 1,000) and W2 (a 100,000-step loop).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as pocketflow from "pocketflow";
import { BENCH_DIR } from "./footprint.js";
import { median } from "./measure.js";

type Lib = { Flow: new (start: unknown, options?: object) => { run(shared: object): Promise<unknown> }; Node: new () => object };

const ref = process.argv[2] ?? "f8c7ec4";
const root = join(BENCH_DIR, "..");
const dir = mkdtempSync(join(tmpdir(), "flowlet-before-"));
execFileSync("sh", ["-c", `git -C "${root}" archive "${ref}" packages/flowlet/src | tar -x -C "${dir}"`]);
const before = (await import(pathToFileURL(join(dir, "packages/flowlet/src/index.ts")).href)) as Lib;
const after = (await import(pathToFileURL(join(root, "packages/flowlet/src/index.ts")).href)) as Lib;
rmSync(dir, { recursive: true, force: true });

type Counter = { count: number; limit?: number };
function classes(lib: Lib, async: boolean) {
  const Base = lib.Node as unknown as new () => { next(n: object): object; on(a: string, n: object): object };
  const turn = (s: Counter) => (++s.count >= (s.limit ?? 0) ? "done" : "again");
  class Step extends Base {
    post(s: Counter): unknown {
      s.count++;
      return undefined;
    }
  }
  class Turn extends Base {
    post(s: Counter): unknown {
      return turn(s);
    }
  }
  // Real async methods, as users (and bench/src/frameworks) write them.
  class AsyncStep extends Base {
    async post(s: Counter) {
      s.count++;
      return undefined;
    }
  }
  class AsyncTurn extends Base {
    async post(s: Counter) {
      return turn(s);
    }
  }
  return async ? { Base, Step: AsyncStep, Turn: AsyncTurn } : { Base, Step, Turn };
}

function chain(lib: Lib, n: number, async: boolean) {
  const { Step } = classes(lib, async);
  const nodes = Array.from({ length: n }, () => new Step());
  for (let i = 1; i < n; i++) nodes[i - 1]!.next(nodes[i]!);
  const flow = new lib.Flow(nodes[0]);
  return async () => {
    for (let i = 0; i < 30; i++) await flow.run({ count: 0 });
    return 30 * n;
  };
}

function loop(lib: Lib, n: number, async: boolean) {
  const { Base, Step, Turn } = classes(lib, async);
  const ping = new Step();
  const pong = ping.next(new Turn()) as InstanceType<typeof Turn>;
  pong.on("again", ping);
  pong.on("done", new Base());
  const flow = new lib.Flow(ping, { maxSteps: Number.POSITIVE_INFINITY });
  return async () => {
    await flow.run({ count: 0, limit: n });
    return n;
  };
}

async function measure(title: string, runs: Record<string, () => Promise<number>>, rounds: number): Promise<void> {
  const samples: Record<string, number[]> = {};
  for (const [k, run] of Object.entries(runs)) {
    samples[k] = [];
    await run();
    await run();
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, run] of Object.entries(runs)) {
      const start = process.cpuUsage();
      const steps = await run();
      const used = process.cpuUsage(start);
      samples[k]!.push((used.user + used.system) / steps);
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const cells = Object.values(m).map((v) => `${v.toFixed(3)} µs`);
  console.log(`| ${title} | ${cells.join(" | ")} | ${(m.after! / m.pocketflow!).toFixed(2)} | ${(m.before! / m.pocketflow!).toFixed(2)} |`);
}

const pf = pocketflow as unknown as Lib;
console.log(`CPU µs per transition; before = ${ref}, after = the working tree; pocketflow's methods async, as in its own port.\n`);
console.log("| workload | before | after | pocketflow | after ÷ pocketflow | before ÷ pocketflow |\n|---|---|---|---|---|---|");
await measure(
  "W1 chain of 1,000, sync post",
  { before: chain(before, 1000, false), after: chain(after, 1000, false), pocketflow: chain(pf, 1000, true) },
  15,
);
await measure(
  "W2 loop of 100,000, sync post",
  { before: loop(before, 100_000, false), after: loop(after, 100_000, false), pocketflow: loop(pf, 100_000, true) },
  9,
);
await measure(
  "W1 chain of 1,000, async post",
  { before: chain(before, 1000, true), after: chain(after, 1000, true), pocketflow: chain(pf, 1000, true) },
  15,
);
await measure(
  "W2 loop of 100,000, async post",
  { before: loop(before, 100_000, true), after: loop(after, 100_000, true), pocketflow: loop(pf, 100_000, true) },
  9,
);

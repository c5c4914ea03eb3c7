// Every number a README states about the repository, checked against the command the README names
// for it. `npm run claims` fails on drift; `npm run claims -- --write` rewrites the numbers in place.
import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** One number (or a few) in one file, with the command that measures it. */
interface Claim {
  file: string;
  what: string;
  /** The command the file must name, so a reader can reproduce the number. */
  command: string;
  /** Finds the stated values: one capture group per value. */
  pattern: RegExp;
  /** The values as the file should state them, in the pattern's group order. */
  measure: () => string[];
}

const thousands = (n: number) => n.toLocaleString("en-US");
const roundTo = (n: number, step: number) => Math.round(n / step) * step;
const sig2 = (n: number) => thousands(Number(n.toPrecision(2)));

// ---- measurements, each run at most once ----
const once = <T>(f: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: f() };
    return value.v;
  };
};

const CORE_LINES_COMMAND = "node scripts/core-lines.mjs";
/** [lines of code, all lines] of the core, from the script's total row. */
const coreLines = once(() => {
  const total = /^total\s+(\d+) lines\s+(\d+) code/m.exec(execSync(CORE_LINES_COMMAND, { cwd: REPO, encoding: "utf8" }));
  if (!total) throw new Error(`${CORE_LINES_COMMAND} printed no total row`);
  return [Number(total[2]), Number(total[1])];
});

const NODE_MODULES_COMMAND = "du -sh node_modules";
const nodeModulesMB = once(() => Number(execFileSync("du", ["-sm", "node_modules"], { cwd: REPO, encoding: "utf8" }).split("\t")[0]));

interface BenchRow {
  id: string;
  title: string;
  cells: Record<string, { value?: number }>;
}
const bench = once(() => JSON.parse(readFileSync(join(REPO, "bench", "results", "latest.json"), "utf8")) as { rows: BenchRow[] });
const benchValue = (id: string, titleIncludes: string, framework: string): number => {
  const value = bench().rows.find((r) => r.id === id && r.title.includes(titleIncludes))?.cells[framework]?.value;
  if (value === undefined) throw new Error(`bench/results/latest.json has no ${id} "${titleIncludes}" value for ${framework}`);
  return value;
};
const transitions = () =>
  ["W1", "W2"].map((id) => ({
    flowlet: benchValue(id, "per transition", "flowlet"),
    pocketflow: benchValue(id, "per transition", "pocketflow"),
    langgraph: benchValue(id, "per transition", "LangGraph"),
  }));
const range = (values: number[], format: (n: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [format(sorted[0]!), format(sorted[sorted.length - 1]!)];
};

const TUTORIAL_COMMAND = "npx flowlet-tutorial --dir . --name flowlet";
const tutorialIndex = once(() => {
  const out = mkdtempSync(join(tmpdir(), "flowlet-claims-"));
  try {
    execFileSync(
      process.execPath,
      [join(REPO, "apps/tutorial/bin/flowlet-tutorial.js"), "--dir", ".", "--name", "flowlet", "--output", out],
      {
        cwd: REPO,
        env: { ...process.env, FLOWLET_LLM_PROVIDER: "none" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    return readFileSync(join(out, "flowlet", "index.md"), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
const SUMMARY = /(\d[\d,]*) files \(([^)]*)\); (\d+) code modules exporting (\d+) symbols, in\s+(\d+) chapters/;
const tutorialSummary = () => {
  const match = SUMMARY.exec(tutorialIndex());
  if (!match) throw new Error("the tutorial's index.md has no summary line: update SUMMARY in scripts/claims.ts");
  return match.slice(1);
};
const chapterLine = (n: number) => new RegExp(`^${n}\\. \\[([^\\]]+)\\]\\(([^)]+)\\): (\\d+ modules?)`, "m");
const tutorialChapter = (n: number) => {
  const match = chapterLine(n).exec(tutorialIndex());
  if (!match) throw new Error(`the tutorial's index.md has no chapter ${n}`);
  return match.slice(1);
};

const tutorialClaims = (file: string): Claim[] => [
  {
    file,
    what: "tutorial sample: files, modules, symbols, chapters",
    command: TUTORIAL_COMMAND,
    pattern: SUMMARY,
    measure: tutorialSummary,
  },
  ...[1, 2].map((n) => ({
    file,
    what: `tutorial sample: chapter ${n}`,
    command: TUTORIAL_COMMAND,
    pattern: chapterLine(n),
    measure: () => tutorialChapter(n),
  })),
];

export const CLAIMS: Claim[] = [
  {
    file: "README.md",
    what: "core size",
    command: CORE_LINES_COMMAND,
    pattern: /The core \(`flowlet`\) is ([\d,]+) lines of code \(([\d,]+) lines in all/,
    measure: () => coreLines().map(thousands),
  },
  {
    file: "README.md",
    what: "node_modules after the set-up command",
    command: NODE_MODULES_COMMAND,
    pattern: /`node_modules` is about (\d+) MB/,
    measure: () => [String(roundTo(nodeModulesMB(), 10))],
  },
  {
    file: "README.md",
    what: "benchmark headline: cost of a transition",
    command: "npm run bench",
    pattern:
      /a node transition costs\s+([\d.]+)–([\d.]+) µs, ([\d.]+)–([\d.]+)× less than PocketFlow-TS and\s+([\d,]+)–([\d,]+)× less than LangGraph\.js/,
    measure: () => {
      const t = transitions();
      return [
        ...range(
          t.map((r) => r.flowlet),
          (n) => n.toFixed(2),
        ),
        ...range(
          t.map((r) => r.pocketflow / r.flowlet),
          (n) => n.toFixed(1),
        ),
        ...range(
          t.map((r) => r.langgraph / r.flowlet),
          sig2,
        ),
      ];
    },
  },
  {
    file: "README.md",
    what: "benchmark headline: capped parallel batch",
    command: "npm run bench",
    pattern: /calls at concurrency 50 finish in (\d+) ms/,
    measure: () => [String(Math.round(benchValue("W4", "wall time", "flowlet")))],
  },
  ...tutorialClaims("README.md"),
  ...tutorialClaims("apps/tutorial/README.md"),
];

function main(write: boolean): number {
  let drifted = 0;
  const texts = new Map<string, string>();
  for (const claim of CLAIMS) {
    const text = texts.get(claim.file) ?? readFileSync(join(REPO, claim.file), "utf8");
    const match = new RegExp(claim.pattern.source, `${claim.pattern.flags}d`).exec(text);
    const problems: string[] = [];
    if (!text.includes(claim.command)) problems.push(`does not name the command \`${claim.command}\``);
    if (!match) {
      problems.push(`states no number where scripts/claims.ts looks (${claim.pattern})`);
    } else {
      const measured = claim.measure();
      const stated = match.slice(1);
      if (stated.join(" | ") !== measured.join(" | ")) {
        if (write) {
          texts.set(claim.file, rewrite(text, match, measured));
          console.log(`${claim.file}: ${claim.what}: ${stated.join(", ")} → ${measured.join(", ")}`);
          continue;
        }
        problems.push(`states ${stated.join(", ")}; \`${claim.command}\` gives ${measured.join(", ")}`);
      }
    }
    if (problems.length) {
      drifted++;
      console.error(`${claim.file}: ${claim.what}: ${problems.join("; ")}`);
    } else if (!write) console.log(`ok  ${claim.file}: ${claim.what}`);
  }
  for (const [file, text] of texts) writeFileSync(join(REPO, file), text);
  if (drifted)
    console.error(`\n${drifted} claim(s) drifted. Fix the text, or run \`npm run claims -- --write\` to restate the measured numbers.`);
  return drifted ? 1 : 0;
}

/** `text` with each captured group of `match` replaced by its measured value. */
function rewrite(text: string, match: RegExpExecArray, measured: string[]): string {
  const spans = match.indices!.slice(1);
  let out = text;
  for (let g = spans.length - 1; g >= 0; g--) {
    const [start, end] = spans[g]!;
    out = out.slice(0, start) + measured[g] + out.slice(end);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.includes("--write"));

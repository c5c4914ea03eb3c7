/**
 * A2A delta streaming: the cost of streaming N text deltas through `serveA2A` to the official
 * `@a2a-js/sdk` client over loopback HTTP, and how long a concurrent GetTask waits meanwhile.
 * Batched (the default, `deltas: { intervalMs: 50 }`) side by side with one artifact update per
 * delta (`deltas: { maxChars: 1 }`, what serveA2A did before), whose cost grows quadratically.
 *
 *   npx tsx --conditions=@flowlet/source bench/src/a2a-deltas.ts            # full sizes (≈1 min)
 *   npx tsx --conditions=@flowlet/source bench/src/a2a-deltas.ts --smoke    # tiny sizes, seconds
 *
 * Target (issue #14): 4,000 deltas in under 1 s, and GetTask answered in under 100 ms meanwhile.
 */
import { randomUUID } from "node:crypto";
import { Role, type SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { Flow, Node } from "flowlet";
import { type DeltaOptions, emitText, serveA2A } from "../../packages/interop/src/index.js";

type Shared = { input: string; output?: string };

/** Emits `input` deltas, yielding to the event loop between them as a model's stream does. */
class Tokens extends Node<Shared, number, string> {
  override prep(shared: Shared) {
    return Number(shared.input);
  }
  override async exec(count: number) {
    let text = "";
    for (let i = 0; i < count; i++) {
      const delta = `t${i} `;
      emitText(delta);
      text += delta;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return text;
  }
  override post(shared: Shared, _: number, text: string) {
    shared.output = text;
  }
}

function send(text: string): SendMessageRequest {
  const message = {
    messageId: randomUUID(),
    taskId: "",
    contextId: "",
    role: Role.ROLE_USER,
    parts: [{ content: { $case: "text" as const, value: text }, mediaType: "text/plain", filename: "", metadata: undefined }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  return { tenant: "", message, configuration: undefined, metadata: undefined };
}

interface Sample {
  ms: number;
  updates: number;
  getTaskMaxMs: number;
  getTaskCount: number;
}

async function measure(count: number, deltas: DeltaOptions): Promise<Sample> {
  const server = await serveA2A(new Flow(new Tokens()), { card: { name: "Tokens", description: "bench" }, deltas });
  try {
    const client = await new ClientFactory().createFromUrl(server.url);
    let taskId = "";
    let updates = 0;
    let done = false;
    const latencies: number[] = [];
    const poll = (async () => {
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (!taskId || done) continue;
        const asked = performance.now();
        await client.getTask({ tenant: "", id: taskId, historyLength: 0 });
        latencies.push(performance.now() - asked);
      }
    })();
    const started = performance.now();
    for await (const event of client.sendMessageStream(send(String(count)))) {
      if (event.payload?.$case === "task") taskId = event.payload.value.id;
      if (event.payload?.$case === "artifactUpdate" && !event.payload.value.lastChunk) updates++;
    }
    const ms = performance.now() - started;
    done = true;
    await poll;
    return { ms, updates, getTaskMaxMs: latencies.length ? Math.max(...latencies) : 0, getTaskCount: latencies.length };
  } finally {
    await server.close();
  }
}

function median(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  return { ms: pick("ms"), updates: pick("updates"), getTaskMaxMs: pick("getTaskMaxMs"), getTaskCount: pick("getTaskCount") };
}

const smoke = process.argv.includes("--smoke");
const runs = smoke ? 1 : 5;
const batchedSizes = smoke ? [100] : [1000, 2000, 4000, 8000];
const perDeltaSizes = smoke ? [100] : [500, 1000, 2000];

await measure(200, {}); // warm-up: JIT, the SDK's first-request work
const rows: string[] = [];
const batched = new Map<number, Sample>();
for (const n of batchedSizes) {
  const samples: Sample[] = [];
  for (let r = 0; r < runs; r++) samples.push(await measure(n, {}));
  batched.set(n, median(samples));
}
const perDelta = new Map<number, Sample>();
for (const n of perDeltaSizes) {
  const samples: Sample[] = [];
  for (let r = 0; r < Math.min(runs, 3); r++) samples.push(await measure(n, { maxChars: 1 }));
  perDelta.set(n, median(samples));
}
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
rows.push(
  "| deltas | batched (default): stream time | updates | GetTask max wait | one update per delta: stream time | updates | GetTask max wait | per-delta ÷ batched |",
);
rows.push("|---|---|---|---|---|---|---|---|");
for (const n of [...new Set([...batchedSizes, ...perDeltaSizes])].sort((a, b) => a - b)) {
  const b = batched.get(n);
  const p = perDelta.get(n);
  const cells = (s: Sample | undefined) => (s ? [`${fmt(s.ms)} ms`, String(s.updates), `${fmt(s.getTaskMaxMs)} ms`] : ["–", "–", "–"]);
  const ratio = b && p ? `×${(p.ms / b.ms).toFixed(1)}` : "–";
  rows.push(`| ${n.toLocaleString("en")} | ${cells(b).join(" | ")} | ${cells(p).join(" | ")} | ${ratio} |`);
}
const os = await import("node:os");
console.log(
  `\`npx tsx --conditions=@flowlet/source bench/src/a2a-deltas.ts${smoke ? " --smoke" : ""}\`, ${new Date().toISOString()}, Node ${process.version}, ` +
    `${os.cpus().length} CPUs (load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}); medians of ${runs} runs (per-delta: ${Math.min(runs, 3)}).\n`,
);
console.log(rows.join("\n"));

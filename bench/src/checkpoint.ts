import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver as LangGraphMemorySaver } from "@langchain/langgraph";
import type { CheckpointSaver } from "flowlet";
import { flowletChain } from "./frameworks/flowlet.js";
import { langgraphChain, stepsConfig } from "./frameworks/langgraph.js";
import type { Run } from "./frameworks/types.js";

/** Savers being written alongside the benchmark: absent ones are reported, never fatal. */
export const NOT_BUILT = "n/a (not built)";

/** A checkpointed chain ready to run, or why it cannot be measured. */
export type Checkpointed = { run: Run<number>; calls: () => number; dispose: () => Promise<void> } | { unavailable: string };

type SaverClass = new (...args: never[]) => CheckpointSaver;

/**
 * Loads a saver class: `undefined` when its package or export does not exist yet. A package that
 * exists but fails to load is a finding, not a gap: that error goes on.
 */
async function loadSaver(specifier: string, exportName: string): Promise<SaverClass | undefined> {
  let mod: Record<string, unknown>;
  try {
    // A variable specifier: the type check must not require packages that are still being written.
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
  const Saver = mod[exportName];
  return typeof Saver === "function" ? (Saver as SaverClass) : undefined;
}

/**
 * Counts calls to a saver's methods, so a run that silently ignored its checkpoint option is
 * caught. Wrappers call the original on the saver itself, which keeps `#private` fields working.
 */
function countCalls(saver: object): () => number {
  let calls = 0;
  const seen = new Set<string>();
  for (let proto = Object.getPrototypeOf(saver); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const method = (saver as Record<string, unknown>)[key];
      if (key === "constructor" || seen.has(key) || typeof method !== "function") continue;
      seen.add(key);
      Object.defineProperty(saver, key, {
        configurable: true,
        value: (...args: unknown[]) => {
          calls++;
          return (method as (...a: unknown[]) => unknown).apply(saver, args);
        },
      });
    }
  }
  return () => calls;
}

interface SaverSource {
  module: string;
  exportName: string;
  /** Makes a saver that keeps its data under `dir`. */
  make(Saver: SaverClass, dir: string): CheckpointSaver;
}

type Construct = new (...args: unknown[]) => CheckpointSaver;

/** The W5 savers for flowlet, by label. */
export const FLOWLET_SAVERS: Record<string, SaverSource | undefined> = {
  "no saver": undefined,
  MemorySaver: { module: "flowlet", exportName: "MemorySaver", make: (Saver) => new (Saver as Construct)() },
  FileSaver: { module: "@flowlet/file-saver", exportName: "FileSaver", make: (Saver, dir) => new (Saver as Construct)(dir) },
  // Without fsync a save survives a crash of the process, not a power cut: SQLite's WAL default.
  "FileSaver fsync:false": {
    module: "@flowlet/file-saver",
    exportName: "FileSaver",
    make: (Saver, dir) => new (Saver as Construct)(dir, { fsync: false }),
  },
  SqliteSaver: {
    module: "@flowlet/sqlite",
    exportName: "SqliteSaver",
    make: (Saver, dir) => new (Saver as Construct)(join(dir, "bench.db")),
  },
};

/** A flowlet chain of `n` nodes that checkpoints every step into the saver labelled `label`. */
export async function flowletCheckpointed(n: number, label: string): Promise<Checkpointed> {
  const flow = flowletChain(n);
  const source = FLOWLET_SAVERS[label];
  if (!source) {
    const run = async () => {
      const shared = { count: 0 };
      await flow.run(shared);
      return shared.count;
    };
    return { run, calls: () => 0, dispose: async () => {} };
  }
  let Saver: SaverClass | undefined;
  try {
    Saver = await loadSaver(source.module, source.exportName);
  } catch (error) {
    return { unavailable: `failed to load ${source.module}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Saver) return { unavailable: NOT_BUILT };
  const dir = await mkdtemp(join(tmpdir(), "flowlet-bench-"));
  const checkpoint = source.make(Saver, dir);
  const calls = countCalls(checkpoint);
  let runs = 0;
  const run = async () => {
    const result = await flow.run({ count: 0 }, { checkpoint, runId: `bench-${++runs}` });
    if (result.status !== "completed") throw new Error(`checkpointed run ended "${result.status}"`);
    return result.shared.count;
  };
  const dispose = async () => {
    (checkpoint as { close?: () => unknown }).close?.();
    await rm(dir, { recursive: true, force: true });
  };
  return { run, calls, dispose };
}

/** LangGraph's chain compiled with its MemorySaver, in the given durability mode. */
export function langgraphCheckpointed(n: number, durability: "async" | "sync"): Checkpointed {
  const checkpointer = new LangGraphMemorySaver();
  const calls = countCalls(checkpointer);
  const app = langgraphChain(n).compile({ checkpointer });
  let runs = 0;
  const run = async () => {
    const config = { ...stepsConfig(n), durability, configurable: { thread_id: `bench-${++runs}` } };
    return (await app.invoke({ count: 0 }, config)).count;
  };
  return { run, calls, dispose: async () => {} };
}

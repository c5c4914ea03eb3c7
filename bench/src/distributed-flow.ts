import { distributed } from "@flowlet/bullmq";
import { Flow, ParallelBatchNode } from "flowlet";

export type Shared = { count: number; latencyMs: number; results?: number[] };

/** Each item stands for one LLM call: it only waits `latencyMs`. */
export class SimulatedCalls extends ParallelBatchNode<Shared, { i: number; ms: number }, number> {
  override prep(shared: Shared) {
    return Array.from({ length: shared.count }, (_, i) => ({ i, ms: shared.latencyMs }));
  }
  override async exec(item: { i: number; ms: number }) {
    await new Promise((r) => setTimeout(r, item.ms));
    return item.i;
  }
  override post(shared: Shared, _items: unknown, results: number[]) {
    shared.results = results;
  }
}

/** The batch as one flow; distributed or in-process. */
export function batchFlow(options: { distributed: boolean; concurrency?: number }): Flow<Shared> {
  const node = new SimulatedCalls({ name: "calls", concurrency: options.concurrency ?? Number.POSITIVE_INFINITY });
  return new Flow(options.distributed ? distributed(node) : node, { name: "batch" });
}

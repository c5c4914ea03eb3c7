import { Flow, type NodeContext, ParallelBatchNode } from "flowlet";
import { type Tally, chain } from "./flow.js";

/**
 * The interrupt crash test's workload: 20 chain nodes, a parallel batch of 12 items (4 at a time)
 * in which item 5 asks a human, while its siblings ignore the abort signal and finish late, then
 * 20 more chain nodes.
 */
export type AskShared = Tally & { squares?: number[]; answer?: unknown };

/** The item that calls `ctx.interrupt`, and what its answer must be for the run to be right. */
export const ASKING = 5;
export const ANSWER = "yes";
export const CONCURRENCY = 4;

class Ask extends ParallelBatchNode<AskShared, number, number> {
  constructor(
    readonly onExec: (label: string) => void,
    readonly seed: number,
  ) {
    super({ concurrency: CONCURRENCY, name: "Ask" });
  }
  /** The 12 items, in an order that depends on the seed: each process may get them in another order. */
  override prep(): number[] {
    const items = Array.from({ length: 12 }, (_, i) => i);
    let x = this.seed || 1;
    for (let i = items.length - 1; i > 0; i--) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const j = x % (i + 1);
      [items[i], items[j]] = [items[j] as number, items[i] as number];
    }
    return items;
  }
  override async exec(i: number, ctx: NodeContext): Promise<number> {
    this.onExec(`P${i}`);
    if (i === ASKING) {
      const answer = ctx.interrupt<string>({ item: i, question: "Go on?" });
      this.onExec(`answered ${answer}`);
      return answer === ANSWER ? i * i : -1;
    }
    // Ignores ctx.signal on purpose: when item 5 interrupts, this sibling keeps going and finishes late.
    await new Promise((resolve) => setTimeout(resolve, 15 + ((i * 37) % 50)));
    if (ctx.signal.aborted) this.onExec(`late P${i}`);
    return i * i;
  }
  override post(shared: AskShared, items: number[], squares: number[]): undefined {
    items.forEach((item, k) => {
      if (squares[k] !== item * item) shared.done.push(`misattached ${item}`);
    });
    shared.squares = [...squares].sort((x, y) => x - y);
    shared.done.push(this.name);
  }
}

export function buildAskFlow(onExec: (label: string) => void = () => {}, seed = 0): Flow<AskShared> {
  const [a, aEnd] = chain<AskShared>(0, 20, onExec);
  const [b] = chain<AskShared>(20, 40, onExec);
  aEnd.next(new Ask(onExec, seed)).next(b);
  return new Flow(a, { name: "AskCrash" });
}

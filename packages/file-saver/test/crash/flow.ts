import { Flow, Node, ParallelBatchNode } from "flowlet";

/** The crash test's workload: 200 chain nodes, a nested flow of 50, and a parallel batch of 40. */
export type CrashShared = Tally & { squares?: number[] };

/** What every crash workload's chain steps write. */
export type Tally = { done: string[]; total: number };

/** A chain step: counts its exec (the test's "ran again" check) and adds its value to the tally. */
export class Step<S extends Tally> extends Node<S, void, number> {
  constructor(
    readonly value: number,
    readonly onExec: (label: string) => void,
  ) {
    super({ name: `S${value}` });
  }
  override exec(): number {
    this.onExec(this.name);
    return this.value;
  }
  override post(shared: S, _prep: void, value: number): undefined {
    shared.done.push(this.name);
    shared.total += value;
  }
}

class Squares extends ParallelBatchNode<CrashShared, number, number> {
  constructor(
    readonly onExec: (label: string) => void,
    readonly seed: number,
  ) {
    super({ concurrency: 4, name: "Squares" });
  }
  /** The 40 items, in an order that depends on the seed: each process may get them in another order. */
  override prep(): number[] {
    const items = Array.from({ length: 40 }, (_, i) => i);
    let x = this.seed || 1;
    for (let i = items.length - 1; i > 0; i--) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const j = x % (i + 1);
      [items[i], items[j]] = [items[j] as number, items[i] as number];
    }
    return items;
  }
  override async exec(i: number): Promise<number> {
    this.onExec(`P${i}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    return i * i;
  }
  override post(shared: CrashShared, items: number[], squares: number[]): undefined {
    // A result attached to the wrong item would show here, and make the final state differ.
    items.forEach((item, k) => {
      if (squares[k] !== item * item) shared.done.push(`misattached ${item}`);
    });
    shared.squares = [...squares].sort((x, y) => x - y);
    shared.done.push(this.name);
  }
}

/** Steps `from` … `to - 1`, linked by their default action: the first and the last. */
export function chain<S extends Tally>(from: number, to: number, onExec: (label: string) => void): [Step<S>, Step<S>] {
  const first = new Step<S>(from, onExec);
  let last = first;
  for (let v = from + 1; v < to; v++) last = last.next(new Step(v, onExec));
  return [first, last];
}

export const PARALLELISM = 4;

export function buildCrashFlow(onExec: (label: string) => void = () => {}, seed = 0): Flow<CrashShared> {
  const [a, aEnd] = chain(0, 100, onExec);
  const [i, iEnd] = chain(100, 150, onExec);
  const [b] = chain(150, 250, onExec);
  void iEnd;
  aEnd
    .next(new Flow(i, { name: "Inner" }))
    .next(new Squares(onExec, seed))
    .next(b);
  return new Flow(a, { name: "Crash" });
}

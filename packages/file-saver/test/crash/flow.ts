import { Flow, Node, ParallelBatchNode } from "flowlet";

/** The crash test's workload: 200 chain nodes, a nested flow of 50, and a parallel batch of 40. */
export type CrashShared = { done: string[]; total: number; squares?: number[] };

class Step extends Node<CrashShared, void, number> {
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
  override post(shared: CrashShared, _prep: void, value: number): undefined {
    shared.done.push(this.name);
    shared.total += value;
  }
}

class Squares extends ParallelBatchNode<CrashShared, number, number> {
  constructor(readonly onExec: (label: string) => void) {
    super({ concurrency: 4, name: "Squares" });
  }
  override prep(): number[] {
    return Array.from({ length: 40 }, (_, i) => i);
  }
  override async exec(i: number): Promise<number> {
    this.onExec(`P${i}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    return i * i;
  }
  override post(shared: CrashShared, _items: unknown, squares: number[]): undefined {
    shared.squares = squares;
    shared.done.push(this.name);
  }
}

function chain(from: number, to: number, onExec: (label: string) => void): [Step, Step] {
  const first = new Step(from, onExec);
  let last = first;
  for (let v = from + 1; v < to; v++) last = last.next(new Step(v, onExec));
  return [first, last];
}

export const PARALLELISM = 4;

export function buildCrashFlow(onExec: (label: string) => void = () => {}): Flow<CrashShared> {
  const [a, aEnd] = chain(0, 100, onExec);
  const [i, iEnd] = chain(100, 150, onExec);
  const [b] = chain(150, 250, onExec);
  void iEnd;
  aEnd.next(new Flow(i, { name: "Inner" })).next(new Squares(onExec)).next(b);
  return new Flow(a, { name: "Crash" });
}

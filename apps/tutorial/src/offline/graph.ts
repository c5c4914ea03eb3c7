/**
 * Orders `nodes` so that each comes after what it depends on, foundations first. Cycles are
 * allowed: the members of a cycle (a strongly connected component) stay together. Among nodes that
 * are ready, the one most depended upon comes first, then by name, so the order is deterministic.
 */
export function orderByDependencies(nodes: readonly string[], dependsOn: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const usedBy = new Map(nodes.map((node) => [node, 0]));
  for (const node of nodes) for (const dependency of dependsOn.get(node) ?? []) usedBy.set(dependency, (usedBy.get(dependency) ?? 0) + 1);
  const rank = (a: string, b: string) => usedBy.get(b)! - usedBy.get(a)! || (a < b ? -1 : a > b ? 1 : 0);

  const components = stronglyConnected(nodes, dependsOn);
  const componentOf = new Map<string, number>();
  components.forEach((members, index) => {
    for (const member of members) componentOf.set(member, index);
  });
  const waitingFor = components.map(() => 0);
  const dependents = components.map(() => [] as number[]);
  components.forEach((members, index) => {
    const deps = new Set<number>();
    for (const member of members)
      for (const dep of dependsOn.get(member) ?? [])
        if (componentOf.has(dep) && componentOf.get(dep) !== index) deps.add(componentOf.get(dep)!);
    waitingFor[index] = deps.size;
    for (const dep of deps) dependents[dep]!.push(index);
  });
  const lead = components.map((members) => [...members].sort(rank)[0]!);

  // Kahn's algorithm over the components, the ready ones in a heap ordered by `rank`.
  const ready = new Heap<number>((a, b) => rank(lead[a]!, lead[b]!));
  waitingFor.forEach((count, index) => {
    if (count === 0) ready.push(index);
  });
  const order: string[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(...[...components[next]!].sort(rank));
    for (const dependent of dependents[next]!) if (--waitingFor[dependent]! === 0) ready.push(dependent);
  }
  return order;
}

/** A binary min-heap under `compare`. */
class Heap<T> {
  readonly #items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === i) break;
      [items[i], items[smallest]] = [items[smallest]!, items[i]!];
      i = smallest;
    }
    return top;
  }
}

/** Tarjan's strongly connected components, iterative so long dependency chains cannot overflow the stack. */
function stronglyConnected(nodes: readonly string[], dependsOn: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const known = new Set(nodes);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edges: string[]; next: number }> = [];
    const enter = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: [...(dependsOn.get(node) ?? [])].filter((dep) => known.has(dep)), next: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      if (frame.next < frame.edges.length) {
        const dep = frame.edges[frame.next++]!;
        if (!index.has(dep)) enter(dep);
        else if (onStack.has(dep)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(dep)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

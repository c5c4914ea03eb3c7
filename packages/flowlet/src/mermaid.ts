/** Flows drawn as Mermaid flowcharts. */
import { Flow } from "./flow.js";
import { reachable } from "./graph.js";
import { BRANCHES, type BaseNode, DEFAULT_ACTION } from "./node.js";

type AnyNode = BaseNode<unknown>;
type AnyFlow = Flow<unknown, unknown, unknown>;

/**
 * A Mermaid `flowchart` of a flow: one box per node, edges labelled with their action
 * ("default" edges unlabelled), and nested flows drawn as subgraphs. Each node and sub-flow is
 * drawn once, however many flows reach it; a flow that contains itself is drawn as an edge back.
 */
export function toMermaid<S>(flow: Flow<S, unknown, unknown>, direction: "TD" | "LR" = "TD"): string {
  const top = flow as AnyFlow;
  const ids = new Map<AnyNode, string>();
  const declared = new Set<AnyNode>([top]);
  const edges = new Set<string>();
  const lines = [`flowchart ${direction}`];
  const id = (node: AnyNode) => {
    const known = ids.get(node) ?? `N${ids.size}`;
    ids.set(node, known);
    return known;
  };

  const declare = (node: AnyNode, indent: string) => {
    if (node === top && !ids.has(top)) {
      // The top flow is the chart itself: a node inside that leads back to it gets a box for it.
      lines.push(`${indent}${id(node)}[${label(node)}]`);
      return;
    }
    if (declared.has(node)) return;
    declared.add(node);
    const branches = node[BRANCHES]();
    if (node instanceof Flow || branches.length > 0) {
      lines.push(`${indent}subgraph ${id(node)}[${label(node)}]`);
      if (node instanceof Flow) draw(node as AnyFlow, `${indent}  `);
      // A parallel node's branches side by side, unconnected: they all run, then the node joins.
      for (const branch of branches) declare(branch, `${indent}  `);
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${id(node)}[${label(node)}]`);
    }
  };

  const draw = (graph: AnyFlow, indent: string) => {
    const nodes = reachable(graph.startNode);
    for (const node of nodes) declare(node, indent);
    for (const node of nodes) {
      for (const [action, next] of node.successors) {
        const arrow = action === DEFAULT_ACTION ? "-->" : `-->|${quote(action)}|`;
        const edge = `${id(node)} ${arrow} ${id(next)}`;
        if (edges.has(edge)) continue;
        edges.add(edge);
        lines.push(`${indent}${edge}`);
      }
    }
  };

  draw(top, "  ");
  return lines.join("\n");
}

/** A node's label: its name, or for an unnamed node the nearest named class it extends. */
function label(node: AnyNode): string {
  if (node.name) return quote(node.name);
  for (let proto = Object.getPrototypeOf(node); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    if (name) return quote(`(${name})`);
  }
  return quote("(unnamed)");
}

/**
 * A quoted Mermaid label: characters Mermaid treats as markup become entity codes, the same set as
 * the tutorial's escaper (`#34;` for a quote), so every label stays one quoted string.
 */
function quote(text: string): string {
  return `"${text.replace(/[#"<>&`|]/g, (c) => `#${c.charCodeAt(0)};`)}"`;
}

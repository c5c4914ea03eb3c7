import { DEFAULT_ACTION, type BaseNode } from "./node.js";
import { Flow } from "./flow.js";
import { reachable } from "./graph.js";

/**
 * A Mermaid `flowchart` of a flow: one box per node, edges labelled with their action
 * ("default" edges unlabelled), and nested flows drawn as subgraphs.
 */
export function toMermaid<S>(flow: Flow<S, unknown, unknown>, direction: "TD" | "LR" = "TD"): string {
  const ids = new Map<BaseNode<unknown>, string>();
  const lines = [`flowchart ${direction}`];
  const id = (node: BaseNode<unknown>) => {
    const known = ids.get(node) ?? `N${ids.size}`;
    ids.set(node, known);
    return known;
  };

  const draw = (graph: Flow<unknown, unknown, unknown>, indent: string) => {
    const nodes = reachable(graph.startNode);
    for (const node of nodes) {
      if (node instanceof Flow) {
        lines.push(`${indent}subgraph ${id(node)}[${label(node.name)}]`);
        draw(node as Flow<unknown, unknown, unknown>, `${indent}  `);
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${id(node)}[${label(node.name)}]`);
      }
    }
    for (const node of nodes) {
      for (const [action, next] of node.successors) {
        const arrow = action === DEFAULT_ACTION ? "-->" : `-->|${label(action)}|`;
        lines.push(`${indent}${id(node)} ${arrow} ${id(next)}`);
      }
    }
  };

  draw(flow as Flow<unknown, unknown, unknown>, "  ");
  return lines.join("\n");
}

/** A quoted Mermaid label: quotes and markup-significant characters become entity codes. */
function label(text: string): string {
  return `"${text.replace(/[#"<>]/g, (c) => `#${c.charCodeAt(0)};`)}"`;
}

/**
 * The graph description that the core stores in `RunInfo.graph`, read tolerantly: a flow has nodes
 * and action-labelled edges; a node may hold a nested graph (a sub-flow or a batch flow).
 */
export interface GraphNode {
  id?: string | number;
  name: string;
  kind?: string;
  graph?: GraphDescription;
  /** A flow inside itself: drawn as a box, its graph is the enclosing one. */
  recursive?: boolean;
}
export interface GraphDescription {
  name?: string;
  kind?: string;
  nodes: GraphNode[];
  edges: { from: string | number; to: string | number; action?: string }[];
}

/** A Mermaid flowchart of `graph`, and which Mermaid id stands for each node path. */
export interface MermaidGraph {
  text: string;
  /** Node path ("Top/Sub/Node") → Mermaid id. */
  ids: Map<string, string>;
  /** Boxes drawn (sub-flows count as their own box plus their nodes). */
  count: number;
  /** Mermaid ids of batch nodes and batch flows. */
  batches: Set<string>;
}

const BATCH = /batch/i;

export function parseGraph(text: string | null): GraphDescription | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as GraphDescription;
    return Array.isArray(value?.nodes) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Draws `graph` as a Mermaid flowchart: sub-flows as subgraphs, batch kinds marked and styled. */
export function toMermaid(graph: GraphDescription, rootName: string): MermaidGraph {
  const lines = ["flowchart TD"];
  const ids = new Map<string, string>();
  const batches = new Set<string>();
  let next = 0;
  const draw = (g: GraphDescription, path: string, indent: string) => {
    const local = new Map<string, string>();
    g.nodes.forEach((node, index) => {
      const mid = `n${next++}`;
      local.set(String(node.id ?? index), mid);
      const nodePath = `${path}/${node.name}`;
      ids.set(nodePath, mid);
      const kind = node.kind ?? "";
      const title = BATCH.test(kind) || kind === "parallel" ? `${node.name} · ${kind}` : node.recursive ? `${node.name} ↻` : node.name;
      if (node.graph && node.graph.nodes.length > 0) {
        lines.push(`${indent}subgraph ${mid}[${label(title)}]`);
        draw(node.graph, nodePath, `${indent}  `);
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${mid}[${label(title)}]`);
      }
      if (BATCH.test(kind)) {
        lines.push(`${indent}class ${mid} batch`);
        batches.add(mid);
      }
    });
    for (const edge of g.edges) {
      const from = local.get(String(edge.from));
      const to = local.get(String(edge.to));
      if (!from || !to) continue;
      const arrow = !edge.action || edge.action === "default" ? "-->" : `-->|${label(edge.action)}|`;
      lines.push(`${indent}${from} ${arrow} ${to}`);
    }
  };
  draw(graph, rootName, "  ");
  lines.push("  classDef batch stroke-dasharray: 4 3,stroke-width:2px");
  lines.push("  classDef current fill:#ffe08a,stroke:#c77d00,stroke-width:3px");
  return { text: lines.join("\n"), ids, count: next, batches };
}

/** Whether the node at `path` (as events and checkpoints name it) is a batch node or batch flow. */
export function isBatchPath(graph: MermaidGraph, path: string): boolean {
  const id = idOf(graph, path);
  return id !== undefined && graph.batches.has(id);
}

/**
 * The Mermaid id of the node at `path`, as events and checkpoints name it. Batch item indexes
 * ("Batch[3]") are dropped, and a path that names the top flow or not matches either way.
 */
export function idOf(graph: MermaidGraph, path: string | undefined): string | undefined {
  if (!path) return undefined;
  const plain = path.replace(/\[\d+\]/g, "");
  const exact = graph.ids.get(plain);
  if (exact) return exact;
  let best: { id: string; length: number } | undefined;
  for (const [known, id] of graph.ids) {
    if ((known.endsWith(`/${plain}`) || plain.endsWith(`/${known}`) || plain.endsWith(known)) && known.length > (best?.length ?? 0)) {
      best = { id, length: known.length };
    }
  }
  return best?.id;
}

function label(text: string): string {
  return `"${text.replace(/[#"<>]/g, (c) => `#${c.charCodeAt(0)};`)}"`;
}

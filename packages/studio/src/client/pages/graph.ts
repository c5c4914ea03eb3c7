import { h } from "../dom.js";
import { idOf, parseGraph, toMermaid } from "../graph.js";
import { type RunContext, selected } from "./context.js";

let renders = 0;
/** Mermaid is loaded on first use, so the Runs page does not wait for it. */
let loaded: Promise<typeof import("mermaid").default> | undefined;
function mermaid() {
  loaded ??= import("mermaid").then(({ default: m }) => {
    m.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral", flowchart: { htmlLabels: false } });
    return m;
  });
  return loaded;
}

/** The flow's graph from the registry, with the selected step's node (or the run's current one) highlighted. */
export async function renderGraph(ctx: RunContext): Promise<Node> {
  const graph = parseGraph(ctx.data.run.graph);
  if (!graph)
    return h("p", { class: "muted" }, "This run has no recorded graph: it was saved by a Flowlet without the run registry's graph.");
  const drawn = toMermaid(graph, graph.name ?? ctx.data.run.flow);
  const seq = selected(ctx);
  const node = ctx.data.checkpoints.find((c) => c.seq === seq)?.node ?? ctx.data.run.lastNode;
  const current = idOf(drawn, node);
  const text = current ? `${drawn.text}\n  class ${current} current` : drawn.text;
  const { svg } = await (await mermaid()).render(`graph-${++renders}`, text);
  const box = h("div", { id: "graph", class: "graph", "data-nodes": drawn.count, "data-current": current ?? "" });
  box.innerHTML = svg; // Mermaid's own output, from labels it escaped, under securityLevel "strict"
  // A click on a node selects its latest step.
  for (const [path, id] of drawn.ids) {
    const el = box.querySelector(`[id^="flowchart-${id}-"], [id="${id}"]`);
    const visit = [...ctx.data.checkpoints].reverse().find((c) => idOf(drawn, c.node) === id);
    if (el && visit) {
      el.classList.add("clickable");
      el.addEventListener("click", () => ctx.select(visit.seq));
      el.setAttribute("data-path", path);
    }
  }
  return h(
    "div",
    null,
    h(
      "p",
      { class: "muted" },
      current ? `Highlighted: ${node} (step ${seq}). Click a node to select its latest step.` : "Click a node to select its latest step.",
    ),
    box,
  );
}

import { duration, h, time } from "../dom.js";
import { isBatchPath, parseGraph, toMermaid } from "../graph.js";
import { buildTimeline } from "../timeline-model.js";
import { type RunContext, selected } from "./context.js";

/** Rows and bars drawn at most: a long loop's timeline shows a window around the selected step. */
const WINDOW = 400;
const MAX_BARS = 3000;

/** Every step in order (node, duration, action, retries), and node visits drawn as lanes: one per batch item. */
export function renderTimeline(ctx: RunContext): Node {
  const graph = parseGraph(ctx.data.run.graph);
  const drawn = graph && toMermaid(graph, graph.name ?? ctx.data.run.flow);
  const timeline = buildTimeline(ctx.data.checkpoints, [...ctx.events], (path) => (drawn ? isBatchPath(drawn, path) : false));
  const seq = selected(ctx);
  const index = timeline.steps.findIndex((s) => s.seq === seq);
  const prev = timeline.steps[index - 1];
  const next = timeline.steps[index + 1];
  const span = Math.max(1, timeline.end - timeline.start);
  const from = Math.max(0, Math.min(index - WINDOW / 2, timeline.steps.length - WINDOW));
  const shown = timeline.steps.slice(from, from + WINDOW);
  const bars = timeline.spans.slice(-MAX_BARS);
  const lanes = timeline.lanes.map((lane) =>
    h(
      "div",
      { class: "lane", "data-lane": lane },
      h("span", { class: "lane-name" }, lane),
      h(
        "div",
        { class: "lane-track" },
        bars
          .filter((s) => s.lane === lane)
          .map((s) =>
            h(
              "div",
              {
                class: `bar${s.failed ? " failed" : ""}${s.end === undefined ? " open" : ""}`,
                style: `left:${((s.start - timeline.start) / span) * 100}%;width:${Math.max(0.4, (((s.end ?? timeline.end) - s.start) / span) * 100)}%`,
                title: `${s.path}: ${duration((s.end ?? timeline.end) - s.start)}${s.action ? ` → ${s.action}` : ""}${s.retries ? `, ${s.retries} retries` : ""}`,
              },
              s.label,
            ),
          ),
      ),
    ),
  );
  const rows = shown.map((step) =>
    h(
      "tr",
      { class: step.seq === seq ? "step selected" : "step", "data-seq": step.seq, onclick: () => ctx.select(step.seq) },
      h("td", { class: "num" }, step.seq),
      h("td", null, step.node),
      h("td", null, step.status),
      h("td", null, time(step.at)),
      h("td", { class: "num" }, duration(step.durationMs)),
      h("td", null, step.item ? h("span", { class: "muted" }, "batch item saved") : (step.action ?? "")),
      h("td", { class: "num" }, step.retries || ""),
    ),
  );
  return h(
    "div",
    null,
    h(
      "div",
      { class: "toolbar" },
      h("button", { id: "step-prev", disabled: !prev, onclick: () => prev && ctx.select(prev.seq) }, "◀ previous step"),
      h("span", { id: "step-current" }, seq === undefined ? "no steps" : `step ${seq} of ${timeline.steps.length}`),
      h("button", { id: "step-next", disabled: !next, onclick: () => next && ctx.select(next.seq) }, "next step ▶"),
    ),
    timeline.spans.length > 0
      ? h("div", { class: "lanes", id: "lanes" }, lanes)
      : h("p", { class: "muted" }, "No node events recorded for this run."),
    shown.length < timeline.steps.length
      ? h("p", { class: "muted" }, `Steps ${from + 1}–${from + shown.length} of ${timeline.steps.length}: step to see more.`)
      : "",
    h(
      "table",
      { id: "steps" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["step", "node", "status", "saved", "duration", "action", "retries"].map((t) => h("th", null, t)),
        ),
      ),
      h("tbody", null, rows),
    ),
  );
}

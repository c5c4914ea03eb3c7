import { type Change, api } from "../api.js";
import { h, json } from "../dom.js";
import { type RunContext, selected } from "./context.js";

/** The store after the selected step, and what that step changed. */
export async function renderState(ctx: RunContext): Promise<Node> {
  const seq = selected(ctx);
  if (seq === undefined) return h("p", { class: "muted" }, "This run has no steps saved yet.");
  const state = await api.state(ctx.runId, seq);
  const steps = ctx.data.checkpoints;
  const index = steps.findIndex((s) => s.seq === seq);
  const prev = steps[index - 1];
  const next = steps[index + 1];
  return h(
    "div",
    null,
    h(
      "div",
      { class: "toolbar" },
      h("button", { id: "state-prev", disabled: !prev, onclick: () => prev && ctx.select(prev.seq) }, "◀"),
      h(
        "select",
        { id: "state-step", "aria-label": "Step", onchange: (e) => ctx.select(Number((e.target as HTMLSelectElement).value)) },
        steps.map((s) => h("option", { value: s.seq, selected: s.seq === seq }, `step ${s.seq}: ${s.node} (${s.status})`)),
      ),
      h("button", { id: "state-next", disabled: !next, onclick: () => next && ctx.select(next.seq) }, "▶"),
    ),
    h(
      "div",
      { class: "columns" },
      h("div", null, h("h2", null, `Store after step ${seq}`), h("pre", { id: "state-json", class: "json" }, json(state.shared))),
      h(
        "div",
        null,
        h("h2", null, seq === 1 ? "Changes from the start" : `Changes from step ${prev?.seq ?? seq - 1}`),
        state.changes.length === 0
          ? h("p", { class: "muted", id: "diff" }, "No change to the store.")
          : h("ul", { id: "diff", class: "diff" }, state.changes.map(change)),
      ),
    ),
  );
}

function change(c: Change): Node {
  const path = c.path.length === 0 ? "(the store)" : c.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
  const short = (v: unknown) => {
    const text = JSON.stringify(v) ?? "undefined";
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  };
  return h(
    "li",
    { class: `change ${c.kind}`, "data-path": path },
    h("code", null, path),
    " ",
    c.kind === "added"
      ? h("ins", null, short(c.after))
      : c.kind === "removed"
        ? h("del", null, short(c.before))
        : [h("del", null, short(c.before)), " → ", h("ins", null, short(c.after))],
  );
}

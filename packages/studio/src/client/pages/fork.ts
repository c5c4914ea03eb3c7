import { api } from "../api.js";
import { h, json } from "../dom.js";
import { type RunContext, selected } from "./context.js";

/** Forks the run from the selected step into a new run, with the store as edited here. */
export async function renderFork(ctx: RunContext): Promise<Node> {
  const seq = selected(ctx);
  if (seq === undefined) return h("p", { class: "muted" }, "This run has no steps to fork from.");
  const state = await api.state(ctx.runId, seq);
  const editor = h("textarea", { id: "fork-state", rows: 16, spellcheck: "false" }, json(state.shared));
  const name = h("input", { id: "fork-id", value: `${ctx.runId}-fork-${seq}-${Date.now().toString(36)}` });
  const result = h("p", { id: "fork-result" });
  const actions = ctx.data.actions;
  const command = `await flow.resume(${JSON.stringify(ctx.runId)}, { checkpoint: saver, from: ${seq}, forkAs: "NEW_ID", update: (store) => EDITED });`;
  const submit = async () => {
    let edited: unknown;
    try {
      edited = JSON.parse(editor.value);
    } catch (error) {
      result.textContent = `Not JSON: ${(error as Error).message}`;
      return;
    }
    const forked = await api.fork(ctx.runId, { seq, state: edited, forkAs: name.value }).catch((error: Error) => ({ runId: "", error }));
    if (forked.error) result.textContent = forked.error.message;
    else location.hash = `#/run/${encodeURIComponent(forked.runId)}/timeline`;
  };
  return h(
    "div",
    null,
    h("h2", null, `Fork from step ${seq} (${ctx.data.checkpoints.find((c) => c.seq === seq)?.node ?? ""})`),
    h("p", { class: "muted" }, "The new run continues from this step with the store below; the original run is left as it is."),
    editor,
    h("div", { class: "toolbar" }, h("label", { for: "fork-id" }, "New run id"), name),
    actions?.fits
      ? h("button", { id: "fork-submit", onclick: () => void submit() }, "Fork and run")
      : h(
          "div",
          { id: "fork-command" },
          h("p", null, actions?.reason ?? "Start Studio with --flow ./your-flow.ts to fork from here, or from your code:"),
          h("pre", null, command),
        ),
    result,
  );
}

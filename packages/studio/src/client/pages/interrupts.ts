import { api } from "../api.js";
import { h, json, time } from "../dom.js";
import type { RunContext } from "./context.js";

/** The pending interrupt with its payload, and a form that answers it (with `--flow`) or the command to run. */
export async function renderInterrupts(ctx: RunContext): Promise<Node> {
  const { run, checkpoints, actions } = ctx.data;
  const past = ctx.events.filter((e) => e.type === "interrupt");
  const history =
    past.length === 0
      ? ""
      : h(
          "div",
          null,
          h("h2", null, "Interrupts so far"),
          h(
            "ul",
            null,
            past.map((e) => h("li", null, `${time(e.at)} ${e.path ?? ""}`)),
          ),
        );
  const latest = checkpoints.at(-1);
  if (run.status !== "interrupted" || !latest) {
    return h(
      "div",
      null,
      h("p", { id: "no-interrupt", class: "muted" }, `Nothing is waiting for an answer: the run is ${run.status}.`),
      history,
    );
  }
  const state = await api.state(ctx.runId, latest.seq);
  const payload = state.interrupt?.payload;
  const answer = h("textarea", { id: "answer", rows: 6, spellcheck: "false" }, "");
  const result = h("p", { id: "answer-result" });
  const command = `await flow.resume(${JSON.stringify(ctx.runId)}, { checkpoint: saver, resumeWith: ANSWER });`;
  const form = actions?.fits
    ? h(
        "div",
        null,
        h("label", { for: "answer" }, "Answer (JSON)"),
        answer,
        h(
          "button",
          {
            id: "send-answer",
            onclick: async () => {
              let value: unknown;
              try {
                value = JSON.parse(answer.value);
              } catch (error) {
                result.textContent = `Not JSON: ${(error as Error).message}`;
                return;
              }
              const sent = await api.answer(ctx.runId, value).catch((error: Error) => ({ error }));
              result.textContent =
                "error" in sent && sent.error ? sent.error.message : "Answered: the run goes on (this page follows it live).";
            },
          },
          `Answer and resume with ${actions.flow}`,
        ),
        result,
      )
    : h(
        "div",
        { id: "answer-command" },
        h(
          "p",
          null,
          actions
            ? actions.reason
            : "Studio was started without the flow's module, so it cannot resume the run itself. Answer it from your code:",
        ),
        h("pre", null, command),
        h("p", null, "or start Studio with ", h("code", null, "--flow ./your-flow.ts"), " to answer here."),
      );
  return h(
    "div",
    null,
    h("h2", null, `${latest.node} asks, since ${time(latest.at)}:`),
    h("pre", { id: "interrupt-payload", class: "json" }, json(payload)),
    form,
    history,
  );
}

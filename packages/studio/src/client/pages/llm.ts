import { h, json, time } from "../dom.js";
import type { RunContext } from "./context.js";

/** What an "llm" event may carry: usage always, prompt and reply when the app recorded them. */
interface LLMData {
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cost?: number;
  durationMs?: number;
  finishReason?: string;
  prompt?: unknown;
  reply?: unknown;
}

/** Every LLM call of the run, from its event log, with tokens and cost. Secrets were redacted by the server. */
export function renderLLM(ctx: RunContext): Node {
  const calls = ctx.events.filter((e) => e.type === "llm");
  if (calls.length === 0) {
    return h(
      "p",
      { class: "muted" },
      'No LLM calls recorded. Record them as "llm" events (see docs/studio.md) to see prompts, replies, tokens and cost here.',
    );
  }
  let input = 0;
  let output = 0;
  let cost = 0;
  let priced = true;
  const rows = calls.map((event) => {
    const d = (event.data ?? {}) as LLMData;
    input += d.inputTokens ?? 0;
    output += d.outputTokens ?? 0;
    if (typeof d.cost === "number") cost += d.cost;
    else priced = false;
    return h(
      "details",
      { class: "llm-call" },
      h(
        "summary",
        null,
        h("span", null, time(event.at)),
        h("span", null, event.path ?? ""),
        h("span", null, d.model ?? "?"),
        h("span", { class: "num" }, `${d.inputTokens ?? 0} in / ${d.outputTokens ?? 0} out`),
        h("span", { class: "num" }, typeof d.cost === "number" ? `$${d.cost.toFixed(5)}` : ""),
        h("span", null, d.finishReason ?? ""),
      ),
      d.prompt === undefined
        ? h("p", { class: "muted" }, "Prompt not recorded.")
        : h("div", null, h("h3", null, "Prompt"), h("pre", { class: "json" }, typeof d.prompt === "string" ? d.prompt : json(d.prompt))),
      d.reply === undefined
        ? ""
        : h("div", null, h("h3", null, "Reply"), h("pre", { class: "json" }, typeof d.reply === "string" ? d.reply : json(d.reply))),
    );
  });
  return h(
    "div",
    null,
    h(
      "p",
      { id: "llm-totals" },
      `${calls.length} call${calls.length === 1 ? "" : "s"}, ${input.toLocaleString("en-US")} input + ${output.toLocaleString("en-US")} output tokens`,
      priced ? `, $${cost.toFixed(5)}` : "",
    ),
    h("div", { id: "llm-calls" }, rows),
  );
}

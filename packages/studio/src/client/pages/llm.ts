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

/** A prompt as text: a string as it is, `@flowlet/llm`'s messages one per paragraph with their role, anything else as JSON. */
function promptText(prompt: unknown): string {
  if (typeof prompt === "string") return prompt;
  const messages = Array.isArray(prompt) ? (prompt as { role?: unknown; content?: unknown }[]) : [];
  if (messages.length > 0 && messages.every((m) => typeof m?.role === "string" && typeof m.content === "string")) {
    return messages.map((m) => (messages.length === 1 && m.role === "user" ? String(m.content) : `${m.role}: ${m.content}`)).join("\n\n");
  }
  return json(prompt);
}

/** Every LLM call of the run, from its event log, with tokens and cost. Secrets were redacted by the server. */
export function renderLLM(ctx: RunContext): Node {
  const calls = ctx.events.filter((e) => e.type === "llm");
  if (calls.length === 0) {
    return h(
      "p",
      { class: "muted" },
      "No LLM calls recorded. Pass record: ctx to @flowlet/llm's calls (see docs/studio.md) to see prompts, replies, tokens and cost here.",
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
        : h("div", null, h("h3", null, "Prompt"), h("pre", { class: "json" }, promptText(d.prompt))),
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

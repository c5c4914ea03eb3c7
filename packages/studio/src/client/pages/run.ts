import { type Info, type RunEvent, type RunResponse, api } from "../api.js";
import { badge, duration, h, mount, time } from "../dom.js";
import type { RunContext } from "./context.js";
import { renderFork } from "./fork.js";
import { renderGraph } from "./graph.js";
import { renderInterrupts } from "./interrupts.js";
import { renderLLM } from "./llm.js";
import { renderState } from "./state.js";
import { renderTimeline } from "./timeline.js";

export const TABS = ["graph", "timeline", "state", "llm", "interrupts", "fork"] as const;
export type Tab = (typeof TABS)[number];
const TITLES: Record<Tab, string> = {
  graph: "Graph",
  timeline: "Timeline",
  state: "State",
  llm: "LLM calls",
  interrupts: "Interrupts",
  fork: "Fork",
};
/** Tabs whose content is a form: a live update must not wipe what the user is typing. */
const FORMS = new Set<Tab>(["fork"]);

/** One run: header, tabs, and a live stream that keeps it current without a reload. */
export class RunView {
  readonly runId: string;
  readonly #root: HTMLElement;
  readonly #info: Info;
  #data: RunResponse | undefined;
  #events: RunEvent[] = [];
  #source: EventSource | undefined;
  #tab: Tab = "graph";
  #step: number | undefined;
  readonly #header = h("header", { class: "run-header" });
  readonly #tabs = h("nav", { class: "tabs" });
  readonly #body = h("section", { class: "tab-body" });
  #rendering = Promise.resolve();

  constructor(root: HTMLElement, info: Info, runId: string) {
    this.#root = root;
    this.#info = info;
    this.runId = runId;
  }

  async start(tab: Tab, step: number | undefined): Promise<void> {
    this.#tab = tab;
    this.#step = step;
    mount(this.#root, this.#header, this.#tabs, this.#body);
    mount(this.#body, h("p", { class: "muted" }, "Loading…"));
    try {
      this.#data = await api.run(this.runId);
      for (;;) {
        const page = await api.events(this.runId, this.#events.at(-1)?.seq ?? 0);
        this.#events.push(...page.events);
        if (page.events.length < 1000) break;
      }
    } catch (error) {
      mount(this.#body, h("p", { class: "error" }, (error as Error).message));
      return;
    }
    this.#live();
    this.#render(true);
  }

  /** Switches tab or step without reloading the run. */
  show(tab: Tab, step: number | undefined): void {
    this.#tab = tab;
    this.#step = step;
    this.#render(true);
  }

  stop(): void {
    this.#source?.close();
  }

  #live(): void {
    const source = api.live(this.runId, this.#events.at(-1)?.seq ?? 0);
    this.#source = source;
    source.addEventListener("run", (message) => {
      const run = JSON.parse((message as MessageEvent<string>).data) as Omit<RunResponse["run"], "graph">;
      const data = this.#data;
      if (!data) return;
      const changed = run.steps !== data.run.steps || run.status !== data.run.status;
      data.run = { ...run, graph: data.run.graph };
      // A new step or status shows with the history that goes with it, not before.
      if (changed) void this.#refresh();
      else this.#renderHeader();
    });
    source.addEventListener("events", (message) => {
      const events = JSON.parse((message as MessageEvent<string>).data) as RunEvent[];
      const known = this.#events.at(-1)?.seq ?? 0;
      this.#events.push(...events.filter((e) => e.seq > known));
      if (this.#tab === "timeline" || this.#tab === "llm") this.#render(false);
    });
  }

  async #refresh(): Promise<void> {
    this.#data = await api.run(this.runId);
    this.#render(false);
  }

  #context(): RunContext {
    const data = this.#data;
    if (!data) throw new Error("The run is not loaded yet.");
    return {
      runId: this.runId,
      info: this.#info,
      data,
      events: this.#events,
      step: this.#step,
      select: (seq) => {
        location.hash = `#/run/${encodeURIComponent(this.runId)}/${this.#tab}?step=${seq}`;
      },
    };
  }

  #renderHeader(): void {
    const run = this.#data?.run;
    if (!run) return;
    mount(
      this.#header,
      h("a", { href: "#/", class: "back" }, "← Runs"),
      h("h1", { id: "run-title" }, run.runId),
      badge(run.status),
      h(
        "span",
        { class: "facts" },
        `${run.flow} · started ${time(run.createdAt)} · ${duration(run.durationMs)} · `,
        h("span", { id: "run-steps" }, `${run.steps} step${run.steps === 1 ? "" : "s"}`),
        run.lastNode ? ` · last ${run.lastNode}` : "",
        run.parentRunId
          ? h(
              "span",
              null,
              " · forked from ",
              h(
                "a",
                { href: `#/run/${encodeURIComponent(run.parentRunId)}/timeline?step=${run.parentSeq}` },
                `${run.parentRunId} @ step ${run.parentSeq}`,
              ),
            )
          : "",
      ),
      run.status === "running" ? h("span", { class: "live", id: "live-dot", title: "updating live" }, "● live") : "",
      run.error ? h("p", { class: "error" }, `${run.error.name}: ${run.error.message}`) : "",
    );
  }

  /** `force`: the user asked for this view; otherwise it is a live update, which leaves forms alone. */
  #render(force: boolean): void {
    this.#renderHeader();
    mount(
      this.#tabs,
      TABS.map((tab) =>
        h(
          "a",
          {
            href: `#/run/${encodeURIComponent(this.runId)}/${tab}${this.#step ? `?step=${this.#step}` : ""}`,
            class: tab === this.#tab ? "tab active" : "tab",
            id: `tab-${tab}`,
          },
          TITLES[tab],
        ),
      ),
    );
    if (!force && FORMS.has(this.#tab)) return;
    const ctx = this.#context();
    const tab = this.#tab;
    // Renders run one after another, so a slow graph render cannot land over a newer tab.
    this.#rendering = this.#rendering
      .then(async () => {
        const content = await RENDER[tab](ctx);
        if (tab === this.#tab) mount(this.#body, content);
      })
      .catch((error: unknown) => mount(this.#body, h("p", { class: "error" }, (error as Error).message)));
  }
}

const RENDER: Record<Tab, (ctx: RunContext) => Node | Promise<Node>> = {
  graph: renderGraph,
  timeline: renderTimeline,
  state: renderState,
  llm: renderLLM,
  interrupts: renderInterrupts,
  fork: renderFork,
};

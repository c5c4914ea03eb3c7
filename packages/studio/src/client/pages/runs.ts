import { type Info, type RunsPage, api } from "../api.js";
import { badge, duration, h, mount, time } from "../dom.js";

const PAGE = 50;
const REFRESH_MS = 2000;

/** The Runs page: the registry, filtered by status and text, paged on the server, refreshed while shown. */
export class RunsView {
  readonly #root: HTMLElement;
  readonly #info: Info;
  #status = "";
  #text = "";
  #offset = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #table = h("div", { class: "runs-table" });

  constructor(root: HTMLElement, info: Info, query: URLSearchParams) {
    this.#root = root;
    this.#info = info;
    this.#status = query.get("status") ?? "";
    this.#text = query.get("q") ?? "";
    this.#offset = Number(query.get("offset") ?? 0) || 0;
  }

  start(): void {
    const status = h(
      "select",
      { id: "status-filter", "aria-label": "Status", onchange: (e) => this.#filter({ status: (e.target as HTMLSelectElement).value }) },
      h("option", { value: "" }, "every status"),
      this.#info.statuses.map((s) => h("option", { value: s, selected: s === this.#status }, s)),
    );
    const search = h("input", {
      id: "run-search",
      type: "search",
      placeholder: "run id, flow or node",
      value: this.#text,
      oninput: (e) => this.#filter({ text: (e.target as HTMLInputElement).value }),
    });
    mount(this.#root, h("div", { class: "toolbar" }, h("h1", null, "Runs"), status, search), this.#table);
    void this.#load();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #filter(change: { status?: string; text?: string }): void {
    if (change.status !== undefined) this.#status = change.status;
    if (change.text !== undefined) this.#text = change.text;
    this.#offset = 0;
    void this.#load();
  }

  async #load(): Promise<void> {
    clearTimeout(this.#timer);
    const asked = { status: this.#status, q: this.#text, offset: this.#offset, limit: PAGE };
    try {
      const page = await api.runs(asked);
      if (this.#stopped || asked.status !== this.#status || asked.q !== this.#text || asked.offset !== this.#offset) return;
      this.#render(page);
    } catch (error) {
      mount(this.#table, h("p", { class: "error" }, String((error as Error).message)));
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#load(), REFRESH_MS);
  }

  #render(page: RunsPage): void {
    const counts = Object.entries(page.counts)
      .map(([status, n]) => `${n.toLocaleString("en-US")} ${status}`)
      .join(" · ");
    const last = Math.min(page.offset + page.runs.length, page.total);
    const pager = h(
      "div",
      { class: "pager" },
      h("button", { id: "prev-page", disabled: page.offset === 0, onclick: () => this.#go(-PAGE) }, "◀"),
      h("span", { id: "page-range" }, page.total === 0 ? "no runs" : `${page.offset + 1}–${last} of ${page.total.toLocaleString("en-US")}`),
      h("button", { id: "next-page", disabled: last >= page.total, onclick: () => this.#go(PAGE) }, "▶"),
      h("span", { class: "muted" }, counts),
    );
    const rows = page.runs.map((run) =>
      h(
        "tr",
        { class: "run-row", "data-run": run.runId },
        h("td", null, h("a", { href: `#/run/${encodeURIComponent(run.runId)}/graph` }, run.runId)),
        h("td", null, badge(run.status)),
        h("td", null, run.flow),
        h("td", null, time(run.createdAt)),
        h("td", { class: "num" }, duration(run.durationMs)),
        h("td", { class: "num" }, run.steps),
        h("td", null, run.lastNode ?? ""),
        h(
          "td",
          null,
          run.parentRunId
            ? h("a", { href: `#/run/${encodeURIComponent(run.parentRunId)}/timeline` }, `${run.parentRunId} @${run.parentSeq}`)
            : "",
        ),
      ),
    );
    mount(
      this.#table,
      pager,
      h(
        "table",
        null,
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["run", "status", "flow", "started", "duration", "steps", "last node", "forked from"].map((t) => h("th", null, t)),
          ),
        ),
        h("tbody", null, rows),
      ),
    );
  }

  #go(delta: number): void {
    this.#offset = Math.max(0, this.#offset + delta);
    void this.#load();
  }
}

import { api } from "./api.js";
import { h, mount } from "./dom.js";
import { RunView, TABS, type Tab } from "./pages/run.js";
import { RunsView } from "./pages/runs.js";

const root = document.getElementById("app") ?? document.body;
const info = await api.info().catch((error: Error) => {
  mount(root, h("p", { class: "error" }, `Studio's server does not answer: ${error.message}`));
  throw error;
});
document.getElementById("saver")?.replaceChildren(`${info.saver}${info.flows.length > 0 ? ` · flows: ${info.flows.join(", ")}` : ""}`);

let current: RunsView | RunView | undefined;

/** Hash routes: `#/` the runs, `#/run/<id>/<tab>?step=N` a run. */
function route(): void {
  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "run" && parts[1]) {
    const runId = decodeURIComponent(parts[1]);
    const tab = (TABS as readonly string[]).includes(parts[2] ?? "") ? (parts[2] as Tab) : "graph";
    const step = query.has("step") ? Number(query.get("step")) : undefined;
    if (current instanceof RunView && current.runId === runId) {
      current.show(tab, step);
      return;
    }
    current?.stop();
    const view = new RunView(root, info, runId);
    current = view;
    void view.start(tab, step);
    return;
  }
  current?.stop();
  const view = new RunsView(root, info, query);
  current = view;
  view.start();
}

window.addEventListener("hashchange", route);
route();

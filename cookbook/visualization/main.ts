import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Flow } from "flowlet";
import { runMain } from "../shared/cli.js";
import { cookbookFlows } from "./flows.js";
import { type AnyFlow, visualize } from "./visualize.js";

// npx tsx --conditions=@flowlet/source cookbook/visualization/main.ts [name | file.ts#export ...]
// Names: the cookbook's flows (all by default). A file.ts#export is any module's exported Flow.
// Prints each flow's Mermaid and writes cookbook/visualization/output/<name>.html.
runMain(async () => {
  const known = cookbookFlows();
  const wanted = process.argv.slice(2);
  for (const name of wanted.length ? wanted : Object.keys(known)) {
    const flow = name.includes("#") ? await importFlow(name) : known[name]?.();
    if (!flow) throw new Error(`Unknown flow "${name}": use one of ${Object.keys(known).join(", ")}, or path/to/module.ts#exportName.`);
    const file = join(import.meta.dirname, "output", `${flow.name}.html`);
    console.log(`%% ${name} → ${file}\n${await visualize(flow, file)}\n`);
  }
});

async function importFlow(spec: string): Promise<AnyFlow> {
  const [path, exported] = spec.split("#") as [string, string];
  const value = (await import(pathToFileURL(resolve(path)).href))[exported];
  if (!(value instanceof Flow)) throw new Error(`${path} has no exported Flow named "${exported}".`);
  return value;
}

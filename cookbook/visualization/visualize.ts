import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Flow, toMermaid } from "flowlet";
import { mermaidPage } from "./html.js";

/** A flow over any store: drawing never touches the store, so its type does not matter here. */
// biome-ignore lint/suspicious/noExplicitAny: flows are invariant in their store type; this accepts all of them.
export type AnyFlow = Flow<any, unknown, unknown>;

/** Draws any flow: returns its Mermaid source and writes a page that renders it to `htmlFile`. */
export async function visualize(flow: AnyFlow, htmlFile: string): Promise<string> {
  const diagram = toMermaid(flow);
  await mkdir(dirname(htmlFile), { recursive: true });
  await writeFile(htmlFile, mermaidPage(`Flow: ${flow.name}`, diagram));
  return diagram;
}

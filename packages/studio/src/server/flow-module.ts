import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Flow } from "flowlet";
import { FlowModuleError } from "../errors.js";
import type { StudioFlow } from "./actions.js";

/**
 * Loads the flow that `--flow` names: the module's default export or its `flow` export, either a
 * Flow or a function (maybe async) that builds one. A `.ts` module is loaded through `tsx` when
 * Node cannot load TypeScript itself.
 */
export async function loadFlow(file: string): Promise<StudioFlow> {
  const url = pathToFileURL(resolve(file)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (!/\.[cm]?tsx?$/.test(file) || !isUnknownExtension(error)) throw loadError(file, error);
    module = await importWithTsx(url, file);
  }
  const exported = module.default ?? module.flow;
  const value = typeof exported === "function" && !(exported instanceof Flow) ? await (exported as () => unknown)() : exported;
  if (!(value instanceof Flow)) {
    throw new FlowModuleError(
      `--flow ${file} exports no Flow: export the flow (or a function that builds it) as \`default\` or as \`flow\`.`,
    );
  }
  return value as unknown as StudioFlow;
}

function isUnknownExtension(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ERR_UNKNOWN_FILE_EXTENSION";
}

async function importWithTsx(url: string, file: string): Promise<Record<string, unknown>> {
  const specifier = "tsx/esm/api"; // optional: only needed for TypeScript flow modules on Node < 22.18
  let api: { tsImport(url: string, parent: string): Promise<Record<string, unknown>> };
  try {
    api = (await import(specifier)) as typeof api;
  } catch {
    throw new FlowModuleError(
      `--flow ${file} is TypeScript, which this Node cannot load: npm install -D tsx, or give the compiled .js file.`,
    );
  }
  try {
    return await api.tsImport(url, import.meta.url);
  } catch (error) {
    throw loadError(file, error);
  }
}

function loadError(file: string, error: unknown): FlowModuleError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FlowModuleError(`--flow ${file} could not be loaded: ${reason}`);
}

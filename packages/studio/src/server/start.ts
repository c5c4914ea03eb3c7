import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import type { CheckpointSaver } from "flowlet";
import { StudioClientMissingError, StudioOptionsError } from "../errors.js";
import { Actions, type StudioFlow } from "./actions.js";
import { createApp } from "./app.js";
import { loadFlow } from "./flow-module.js";
import { openSaver } from "./open-saver.js";

/** Options of {@link startStudio}. */
export interface StudioOptions {
  /** A FileSaver folder, a SQLite file, or a postgres:// URL; or an open saver. */
  checkpoints: string | CheckpointSaver;
  /**
   * The flow's module (or the flow itself), or several: lets Studio answer interrupts and fork runs.
   * Each run is continued by the flow whose graph has the run's shape.
   */
  flow?: FlowSource | FlowSource[];
  /** Default 127.0.0.1. Any other address needs a token (one is made if not given). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Required on a non-loopback host; optional on loopback. */
  token?: string;
  /** Where the built UI is. Default: the package's dist/client. */
  clientDir?: string;
  /** How often live views poll the saver, in ms. Default 300. */
  pollMs?: number;
}

/** A running Studio. */
export interface Studio {
  /** The address to open, with `?token=` when a token is needed. */
  readonly url: string;
  readonly port: number;
  readonly saver: CheckpointSaver;
  close(): Promise<void>;
}

/** A flow module's path, or a flow. */
export type FlowSource = string | StudioFlow;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const BUILT_CLIENT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "client");

/**
 * The published package ships the built UI; a checkout of the repository builds it on demand, since
 * bundling it needs Mermaid (~200 MB), which the workspace install leaves out.
 */
function checkClient(clientDir: string): void {
  if (existsSync(join(clientDir, "index.html"))) return;
  const build =
    clientDir === BUILT_CLIENT
      ? "npm run build:client -w @flowlet/studio (from the repository's root: it installs Mermaid into packages/studio/client, once, and bundles the UI)"
      : `node packages/studio/scripts/build-client.mjs ${clientDir} (from the Flowlet repository's root)`;
  throw new StudioClientMissingError(`Studio's browser UI is not built in ${clientDir}. Build it with: ${build}`);
}

/** Starts Studio's web server over the checkpoints of `options.checkpoints`. */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const host = options.host ?? "127.0.0.1";
  const loopback = LOOPBACK.has(host);
  const token = options.token ?? (loopback ? undefined : randomBytes(18).toString("base64url"));
  if (token !== undefined && token.length < 16)
    throw new StudioOptionsError("--token must be at least 16 characters: it guards your runs' data.");
  const clientDir = options.clientDir ?? BUILT_CLIENT;
  checkClient(clientDir);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StudioOptionsError(`--port must be 0..65535, got ${options.port}.`);
  const saver = typeof options.checkpoints === "string" ? await openSaver(options.checkpoints) : options.checkpoints;
  const sources = options.flow === undefined ? [] : Array.isArray(options.flow) ? options.flow : [options.flow];
  const flows = await Promise.all(sources.map((source) => (typeof source === "string" ? loadFlow(source) : source)));
  const actions = flows.length > 0 ? new Actions(flows, saver) : undefined;
  const app = createApp({ saver, clientDir, actions, token, loopback, pollMs: options.pollMs });

  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${bound}/${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`;
  return {
    url,
    port: bound,
    saver,
    close: () =>
      new Promise<void>((resolve) => {
        // Live views hold connections open: close them, or close() would wait for every browser tab.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

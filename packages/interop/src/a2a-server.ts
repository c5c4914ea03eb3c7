import { createServer } from "node:http";
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, AgentCard } from "@a2a-js/sdk";
import { DefaultExecutionEventBusManager, DefaultRequestHandler, InMemoryTaskStore } from "@a2a-js/sdk/server";
import { UserBuilder, agentCardHandler, jsonRpcHandler } from "@a2a-js/sdk/server/express";
import type { RequestHandler } from "express";
import type { Flow } from "flowlet";
import { FlowExecutor, type FlowAgentOptions } from "./a2a-executor.js";
import { INVALID_REQUEST, type ListenOptions, baseUrl, guardedApp, lastResort, listen, rpcError, shut } from "./http.js";

/** The parts of an agent card you write; `serveA2A` fills in interfaces, capabilities and security. */
export interface AgentCardInput {
  name: string;
  description: string;
  /** The agent's own version. Default "0.1.0". */
  version?: string;
  /** What the agent can do. Default: one skill named after the card. */
  skills?: { id: string; name: string; description: string; tags?: string[]; examples?: string[] }[];
  provider?: { organization: string; url: string };
  documentationUrl?: string;
}

export interface ServeA2AOptions<S> extends FlowAgentOptions<S>, ListenOptions {
  card: AgentCardInput;
  /** The URL the card advertises, when clients reach the server through a proxy. Default: `http://host:port/`. */
  publicUrl?: string;
}

/** A running A2A server. */
export interface A2AServer {
  /** The JSON-RPC endpoint, e.g. "http://127.0.0.1:41241/". Clients resolve the card from it. */
  url: string;
  /** Where the agent card is served (publicly, even when a token is required). */
  cardUrl: string;
  port: number;
  /** Whether paused flows answer `input-required`: a checkpoint saver was given. */
  inputRequired: boolean;
  /** Aborts running tasks, drops open connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves a flow as an A2A agent (protocol v1.0, JSON-RPC binding) on `@a2a-js/sdk`. Every
 * message starts a run of the flow in the background; streaming sends get a status update per
 * finished node and an artifact update per text delta (`emitText`); `CancelTask` aborts the run's
 * signal; `GetTask` reads the task store.
 *
 * @example
 * const server = await serveA2A(flow, { card: { name: "Echo", description: "Says it back" }, port: 41241 });
 * console.log(server.url);
 */
export async function serveA2A<S>(flow: Flow<S>, options: ServeA2AOptions<S>): Promise<A2AServer> {
  const advertised = options.publicUrl ? [new URL(options.publicUrl).hostname] : [];
  const { app, host, auth, json } = guardedApp("A2A", { ...options, allowedHosts: [...(options.allowedHosts ?? []), ...advertised] });
  // The card names the URL, which a port of 0 leaves unknown until the server listens: listen
  // first, then mount the routes in the same tick, before any request can be read.
  const server = createServer(app);
  const port = await listen(server, options.port ?? 0, host, "A2A");
  const url = options.publicUrl ?? baseUrl(host, port);
  const card = buildCard(options.card, url, auth !== undefined);

  const buses = new DefaultExecutionEventBusManager();
  const executor = new FlowExecutor(flow, options, (taskId, bus) => {
    bus.finished();
    buses.cleanupByTaskId(taskId);
  });
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor, buses);
  // Served in the spec's JSON form: the SDK would send its in-memory form, whose `$case` unions
  // other A2A implementations do not read.
  const published = AgentCard.toJSON(card) as AgentCard;
  app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: () => Promise.resolve(published) }));
  if (auth) app.use(auth);
  app.use(...json, envelope);
  app.use(jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
  app.use(lastResort);

  return {
    url,
    cardUrl: new URL(AGENT_CARD_PATH, url).href,
    port,
    inputRequired: executor.resumable,
    close: () => {
      executor.abortAll();
      return shut(server);
    },
  };
}

function buildCard(input: AgentCardInput, url: string, secured: boolean): AgentCard {
  const modes = ["text/plain", "application/json"];
  return AgentCard.fromJSON({
    ...input,
    version: input.version ?? "0.1.0",
    supportedInterfaces: [{ url, protocolBinding: "JSONRPC", protocolVersion: A2A_PROTOCOL_VERSION }],
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: modes,
    defaultOutputModes: modes,
    skills: input.skills ?? [{ id: slug(input.name), name: input.name, description: input.description, tags: [] }],
    securitySchemes: secured ? { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } } : {},
    securityRequirements: secured ? [{ schemes: { bearer: { list: [] } } }] : [],
  });
}

/**
 * Rejects what is not a JSON-RPC 2.0 request object with "Invalid Request" (-32600), the code
 * JSON-RPC prescribes; the SDK would answer -32602 (invalid params) for these.
 */
const envelope: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (req.method !== "POST" || body === undefined) return next();
  const problem = envelopeProblem(body);
  if (!problem) return next();
  const id = (body as { id?: unknown }).id;
  const echo = typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
  res.status(200).json(rpcError(INVALID_REQUEST, `Invalid JSON-RPC request: ${problem}.`, echo));
};

function envelopeProblem(body: unknown): string | undefined {
  if (Array.isArray(body)) return "batches are not supported, send one request per call";
  if (body === null || typeof body !== "object") return "expected an object";
  const { jsonrpc, method, id } = body as Record<string, unknown>;
  if (jsonrpc !== "2.0") return 'jsonrpc must be "2.0"';
  if (typeof method !== "string") return "method must be a string";
  if (!(id === undefined || id === null || typeof id === "string" || (typeof id === "number" && Number.isInteger(id)))) {
    return "id must be a string, an integer or null";
  }
  return undefined;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "agent";
}

import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, AgentCard } from "@a2a-js/sdk";
import { duplicateInterfacesForLegacy } from "@a2a-js/sdk/compat/v0_3";
import { legacyAgentCardRouter } from "@a2a-js/sdk/compat/v0_3/server/express";
import { DefaultExecutionEventBusManager, ServerCallContext, type TaskStore } from "@a2a-js/sdk/server";
import { UserBuilder, jsonRpcHandler, restHandler } from "@a2a-js/sdk/server/express";
import type { Request, RequestHandler } from "express";
import type { Flow } from "flowlet";
import { FlowExecutor, type FlowAgentOptions } from "./a2a-executor.js";
import { FlowRequestHandler } from "./a2a-handler.js";
import { type PushNotificationOptions, pushNotifications } from "./a2a-push.js";
import { type EvictingTaskStore, MemoryTaskStore, type TaskStoreLimits } from "./a2a-task-store.js";
import { checkDeltaOptions } from "./deltas.js";
import { InteropConfigError } from "./errors.js";
import { INVALID_REQUEST, baseUrl, guardedApp, lastResort, listen, notFound, rpcError, shut } from "./http.js";
import type { ListenOptions } from "./listen-options.js";

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
  /**
   * The URL the card advertises, when clients reach the server through a proxy. Default:
   * `http://host:port/`; bound to a wildcard address (0.0.0.0, ::), the host the client used.
   */
  publicUrl?: string;
  /**
   * Where tasks are kept: any `TaskStore` of `@a2a-js/sdk` (e.g. {@link DurableTaskStore}, or the
   * SDK's database stores). Default: a {@link MemoryTaskStore} with the `tasks` limits.
   */
  taskStore?: TaskStore;
  /** Limits of the default in-memory task store: `ttlMs` (default 1 hour) and `maxTasks` (default 10,000). */
  tasks?: TaskStoreLimits;
  /** Push notifications (webhooks) to the hosts listed; off by default. */
  pushNotifications?: PushNotificationOptions;
}

/** A running A2A server. */
export interface A2AServer {
  /** The JSON-RPC endpoint, e.g. "http://127.0.0.1:41241/". Clients resolve the card from it. */
  url: string;
  /** The HTTP+JSON (REST) endpoint: `url` + "rest". */
  restUrl: string;
  /** Where the agent card is served (publicly, even when a token is required). */
  cardUrl: string;
  port: number;
  /** Whether paused flows answer `input-required`: a checkpoint saver was given. */
  inputRequired: boolean;
  /** Aborts running tasks, drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Where the REST binding lives, below the JSON-RPC endpoint. */
const REST_PATH = "rest";

/**
 * Serves a flow as an A2A agent on `@a2a-js/sdk`: protocol v1.0 and, through the SDK's
 * compatibility layer, v0.3, each over JSON-RPC (at `url`) and HTTP+JSON (at `restUrl`). Every
 * message starts a run of the flow in the background; streaming sends get a status update per
 * finished node and artifact updates carrying the text the flow emits (`emitText`), batched;
 * `CancelTask` aborts the run's signal; `GetTask` reads the task store.
 *
 * @example
 * const server = await serveA2A(flow, { card: { name: "Echo", description: "Says it back" }, port: 41241 });
 * console.log(server.url);
 */
export async function serveA2A<S>(flow: Flow<S>, options: ServeA2AOptions<S>): Promise<A2AServer> {
  if (options.publicUrl !== undefined && !URL.canParse(options.publicUrl)) {
    throw new InteropConfigError(`publicUrl must be an absolute URL such as "https://agents.example.com/", got "${options.publicUrl}".`);
  }
  const advertised = options.publicUrl ? [new URL(options.publicUrl).hostname] : [];
  const guarded = guardedApp("A2A", { ...options, allowedHosts: [...(options.allowedHosts ?? []), ...advertised] });
  const { app, host, auth, json } = guarded;
  checkDeltaOptions(options.deltas, (message) => new InteropConfigError(message));
  if (options.taskStore && options.tasks) {
    throw new InteropConfigError(
      "Pass either taskStore or tasks (the limits of the default store), not both: set the limits on your store.",
    );
  }
  const taskStore: EvictingTaskStore = options.taskStore ?? new MemoryTaskStore(options.tasks);
  const push = options.pushNotifications ? pushNotifications(options.pushNotifications) : undefined;
  // The card names the URL, which a port of 0 leaves unknown until the server listens: listen
  // first, then mount the routes in the same tick, before any request can be read.
  const server = guarded.server();
  const port = await listen(server, options.port ?? 0, host, "A2A");
  const wildcard = host === "0.0.0.0" || host === "::";
  const url = options.publicUrl ?? baseUrl(wildcard ? (host === "::" ? "::1" : "127.0.0.1") : host, port);
  const secured = auth !== undefined;
  const cardAt = (base: string) => buildCard(options.card, base, secured, push !== undefined);
  const card = cardAt(url);

  const buses = new DefaultExecutionEventBusManager();
  const executor = new FlowExecutor(flow, options, (taskId, bus) => {
    bus.finished();
    buses.cleanupByTaskId(taskId);
  });
  const requestHandler = new FlowRequestHandler(card, taskStore, executor, buses, push?.store, push?.sender);
  requestHandler.useClaims(executor);
  if (!options.taskStore || taskStore.onEvict === undefined) {
    taskStore.onEvict = (taskId) => {
      executor.forget(taskId);
      // Webhook configs go with their task (those of the default tenant, which is all a server without tenants has).
      void push?.store.delete(taskId, new ServerCallContext()).catch(() => {});
    };
  }

  // On a wildcard address the card names the host each client reached the server by.
  const cardFor = wildcard && !options.publicUrl ? (req: Request) => cardAt(baseUrl(req.hostname, port)) : () => card;
  app.use(`/${AGENT_CARD_PATH}`, cardHandlers(cardFor));
  if (auth) app.use(auth);
  app.use(...json);
  const legacyCompat = { enabled: true };
  app.use(`/${REST_PATH}`, restHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat }));
  app.post("/", versionGuard, envelope);
  app.use(jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat }));
  app.use(notFound(`this A2A agent answers JSON-RPC at POST /, HTTP+JSON under /${REST_PATH}/, and its card at GET /${AGENT_CARD_PATH}.`));
  app.use(lastResort);

  return {
    url,
    restUrl: new URL(REST_PATH, url).href,
    cardUrl: new URL(AGENT_CARD_PATH, url).href,
    port,
    inputRequired: executor.resumable,
    close: () => {
      executor.abortAll();
      return shut(server);
    },
  };
}

/**
 * The card for both protocol lines: v0.3 clients (no `A2A-Version` header, or 0.3) get the SDK's
 * v0.3 translation, everyone else the v1.0 card in the spec's JSON form (the SDK would send its
 * in-memory form, whose `$case` unions other implementations do not read).
 */
function cardHandlers(cardFor: (req: Request) => AgentCard): RequestHandler {
  const routers = new Map<string, RequestHandler>();
  return (req, res, next) => {
    const card = cardFor(req);
    const key = card.supportedInterfaces[0]?.url ?? "";
    let legacy = routers.get(key);
    if (!legacy) {
      legacy = legacyAgentCardRouter({ agentCardProvider: () => Promise.resolve(card) });
      if (routers.size >= 32) routers.clear(); // one per host name clients use: a handful
      routers.set(key, legacy);
    }
    legacy(req, res, () => {
      if (req.method !== "GET" && req.method !== "HEAD") return next();
      res.set("Vary", "A2A-Version").set("Cache-Control", "public, max-age=300").json(AgentCard.toJSON(card));
    });
  };
}

function buildCard(input: AgentCardInput, url: string, secured: boolean, push: boolean): AgentCard {
  const modes = ["text/plain", "application/json"];
  const rest = new URL(REST_PATH, url).href;
  return AgentCard.fromJSON({
    ...input,
    version: input.version ?? "0.1.0",
    supportedInterfaces: duplicateInterfacesForLegacy(
      [
        { url, protocolBinding: "JSONRPC", protocolVersion: A2A_PROTOCOL_VERSION, tenant: "" },
        { url: rest, protocolBinding: "HTTP+JSON", protocolVersion: A2A_PROTOCOL_VERSION, tenant: "" },
      ],
      ["JSONRPC", "HTTP+JSON"],
    ),
    capabilities: { streaming: true, pushNotifications: push },
    defaultInputModes: modes,
    defaultOutputModes: modes,
    skills: input.skills ?? [{ id: slug(input.name), name: input.name, description: input.description, tags: [] }],
    securitySchemes: secured ? { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } } : {},
    securityRequirements: secured ? [{ schemes: { bearer: { list: [] } } }] : [],
  });
}

/**
 * Answers an A2A-Version this server does not speak (-32009) before the SDK, which would answer the
 * same but log a stack trace per request.
 */
const versionGuard: RequestHandler = (req, res, next) => {
  const version = req.get("a2a-version");
  if (version === undefined || /^(0\.3|1(\.0)?)(\.\d+)?$/.test(version.trim())) return next();
  const id = (req.body as { id?: unknown } | null)?.id;
  const echo = typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
  res.status(200).json(rpcError(-32009, `A2A protocol version "${version}" is not supported: this agent speaks 1.0 and 0.3.`, echo));
};

/**
 * Rejects what is not a JSON-RPC 2.0 request object with "Invalid Request" (-32600), the code
 * JSON-RPC prescribes; the SDK would answer -32602 (invalid params) for these.
 */
const envelope: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (req.method !== "POST" || body === undefined) return next();
  const problem = envelopeProblem(body);
  if (!problem) return next();
  const id = (body as { id?: unknown } | null)?.id;
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
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "agent"
  );
}

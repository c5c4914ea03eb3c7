import { createHash, timingSafeEqual } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostHeaderValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { InteropConfigError } from "./errors.js";
import type { ListenOptions } from "./listen-options.js";

export type { ListenOptions };

/** Deeper request bodies are refused: the SDKs walk them recursively and would overflow the stack. */
const MAX_DEPTH = 100;

export const INVALID_REQUEST = -32600;
/** JSON-RPC's implementation-defined server error: used for 401, which must not read as a malformed request. */
const UNAUTHORIZED = -32000;
const PARSE_ERROR = -32700;
const INTERNAL_ERROR = -32603;

/** Checks the options, and starts an express app with the guards every route needs. */
export function guardedApp(what: string, options: ListenOptions) {
  const host = options.host ?? "127.0.0.1";
  const { token } = options;
  if (token !== undefined && token.length < 16) {
    throw new InteropConfigError(`The ${what} server's token must be at least 16 characters: generate one with \`openssl rand -hex 32\`.`);
  }
  if (!isLoopback(host) && token === undefined) {
    throw new InteropConfigError(
      `Refusing to serve ${what} on ${host} without a token: anyone who can reach it could run your flow. Pass { token } (clients then send "Authorization: Bearer <token>"), or bind host "127.0.0.1".`,
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    throw new InteropConfigError(`maxBodyBytes must be a positive integer, got ${String(options.maxBodyBytes)}.`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxConnections = options.maxConnections ?? 1024;
  if (!(Number.isInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    throw new InteropConfigError(`requestTimeoutMs must be a positive integer of ms, got ${String(options.requestTimeoutMs)}.`);
  }
  if (!(Number.isInteger(maxConnections) && maxConnections > 0)) {
    throw new InteropConfigError(`maxConnections must be a positive integer, got ${String(options.maxConnections)}.`);
  }
  const app = express();
  app.disable("x-powered-by");
  // A browser page must not reach a local server through a rebound DNS name.
  if (isLoopback(host)) {
    const hostname = new URL(baseUrl(host, 1)).hostname;
    app.use(hostHeaderValidation(["localhost", "127.0.0.1", "[::1]", hostname, ...(options.allowedHosts ?? [])]));
  }
  return {
    app,
    host,
    /** Rejects calls without the right token. Mount it after any public route. */
    auth: token === undefined ? undefined : bearer(token),
    /** Parses JSON bodies up to the limit, answering failures as JSON-RPC errors. */
    json: [
      // Not strict: `null` or `3` is valid JSON, and gets "Invalid Request" rather than a parse error.
      express.json({ limit: maxBodyBytes, strict: false, type: ["application/json", "application/a2a+json"] }),
      bodyErrors(maxBodyBytes),
      depthGuard,
    ] as const,
    /** The HTTP server for the app, with the request timeout and connection cap. */
    server: () => {
      const server = createServer(
        {
          requestTimeout: requestTimeoutMs,
          headersTimeout: Math.min(10_000, requestTimeoutMs),
          // Node checks the timeouts on this interval (default 30 s), which would let a short timeout run long.
          connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeoutMs / 4))),
        },
        app,
      );
      server.maxConnections = maxConnections;
      return server;
    },
  };
}

/** Answers what no route took as JSON, in place of express's HTML page. */
export function notFound(hint: string): RequestHandler {
  return (req, res) => void res.status(404).json(rpcError(INVALID_REQUEST, `Nothing at ${req.method} ${req.path}: ${hint}`));
}

const depthGuard: RequestHandler = (req, res, next) => {
  if (depth(req.body, MAX_DEPTH) <= MAX_DEPTH) return next();
  res.status(400).json(rpcError(INVALID_REQUEST, `Request body is nested more than ${MAX_DEPTH} levels deep.`));
};

/** Nesting depth of a parsed JSON value, walked without recursion; stops counting past `limit`. */
function depth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    if (level + 1 > deepest) deepest = level + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) if (child !== null && typeof child === "object") stack.push([child, level + 1]);
  }
  return deepest;
}

/** Rejects calls without the right bearer token, comparing digests so timing reveals nothing. */
function bearer(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer (.+)$/i.exec(req.get("authorization") ?? "");
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) return next();
    res.set("WWW-Authenticate", match ? 'Bearer error="invalid_token"' : "Bearer");
    const message = match ? "Invalid bearer token." : "Missing bearer token: send Authorization: Bearer <token>.";
    res.status(401).json(rpcError(UNAUTHORIZED, message));
  };
}

/** Body parser failures as JSON-RPC errors, in place of express's HTML pages. */
function bodyErrors(limit: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _req, res, next) => {
    if (error.type === "entity.too.large") {
      return void res.status(413).json(rpcError(INVALID_REQUEST, `Request body exceeds the server's limit of ${limit} bytes.`));
    }
    if (error.type === "entity.parse.failed") return void res.status(200).json(rpcError(PARSE_ERROR, "Invalid JSON payload."));
    if (error.status && error.status >= 400 && error.status < 500) {
      return void res.status(error.status).json(rpcError(INVALID_REQUEST, "Unreadable request body."));
    }
    next(error);
  };
}

/** Whatever slipped past the SDKs: a JSON-RPC internal error, never a stack trace. */
export const lastResort: ErrorRequestHandler = (_error, _req, res, _next) => {
  if (res.headersSent) return void res.end();
  res.status(500).json(rpcError(INTERNAL_ERROR, "Internal error."));
};

export function rpcError(code: number, message: string, id: string | number | null = null) {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Listens, and resolves to the port. */
export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "EADDRINUSE" ? `Port ${port} on ${host} is taken: pick another port, or 0 for any free one.` : error.message;
      reject(new InteropConfigError(`The ${what} server could not listen: ${hint}`, { cause: error }));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** The base URL of a server listening on host:port. */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/** Stops a server now: open connections (SSE streams included) are dropped. */
export function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

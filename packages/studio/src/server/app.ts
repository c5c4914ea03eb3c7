import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { type CheckpointSaver, RUN_STATUSES, type RunEvent, type RunStatus } from "flowlet";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Actions } from "./actions.js";
import { diffJSON } from "./diff.js";
import { guard } from "./guard.js";
import { type StepState, stateAt } from "./history.js";
import { redact } from "./redact.js";
import { RunsIndex, row } from "./runs-page.js";

/** What the HTTP app needs. */
export interface AppOptions {
  saver: CheckpointSaver;
  /** The built browser UI (index.html, app.js, chunks). */
  clientDir: string;
  /** Answers and forks: present when Studio was started with `--flow`. */
  actions?: Actions;
  token?: string;
  loopback: boolean;
  /** How often a live view polls the saver. Default 300 ms. */
  pollMs?: number;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};
const MAX_PAGE = 200;
const EVENTS_PAGE = 1000;

/** The Studio HTTP app: a JSON API over the saver, a live stream, and the bundled UI. */
export function createApp(options: AppOptions): Hono {
  const { saver, actions } = options;
  const index = new RunsIndex(saver);
  const pollMs = options.pollMs ?? 300;
  const app = new Hono();
  app.use("*", guard({ token: options.token, loopback: options.loopback }));

  app.onError((error, c) => {
    const name = error instanceof Error ? error.name : "Error";
    return c.json({ error: { name, message: String(redact(error instanceof Error ? error.message : String(error))) } }, 500);
  });

  app.get("/api/info", (c) => c.json({ saver: saver.name, flows: actions?.flowNames ?? [], statuses: RUN_STATUSES }));

  app.get("/api/runs", async (c) => {
    const status = (c.req.query("status") ?? "").split(",").filter((s): s is RunStatus => (RUN_STATUSES as readonly string[]).includes(s));
    const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
    const limit = Math.min(MAX_PAGE, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    return c.json(await index.page({ status, text: c.req.query("q"), offset, limit }));
  });

  app.get("/api/runs/:id", async (c) => {
    const runId = c.req.param("id");
    const run = await saver.run(runId);
    if (!run) return c.json({ error: { name: "NotFound", message: `No run "${runId}" in ${saver.name}.` } }, 404);
    const checkpoints = await saver.list(runId);
    const graph = run.graph ?? actions?.graphOf(run) ?? null;
    return c.json({ run: { ...row(run), graph }, checkpoints, actions: actions?.describe(run) ?? null });
  });

  app.get("/api/runs/:id/events", async (c) => {
    const after = Math.max(0, Number(c.req.query("after") ?? 0) || 0);
    const events = await saver.events(c.req.param("id"), { after, limit: EVENTS_PAGE });
    return c.json({ events: events.map(clean) });
  });

  app.get("/api/runs/:id/state", async (c) => {
    const runId = c.req.param("id");
    const seq = Number(c.req.query("seq"));
    if (!Number.isInteger(seq) || seq < 1)
      return c.json({ error: { name: "BadRequest", message: "Give ?seq=N, a step of the run." } }, 400);
    const current = await stateAt(saver, runId, seq);
    if (!current) return c.json({ error: { name: "NotFound", message: `Run "${runId}" has no step ${seq}.` } }, 404);
    const previous: StepState | undefined = seq > 1 ? await stateAt(saver, runId, seq - 1) : undefined;
    const shared = redact(current.shared);
    const before = previous ? redact(previous.shared) : undefined;
    return c.json({ ...current, shared, changes: diffJSON(before ?? {}, shared), interrupt: redact(current.interrupt) });
  });

  app.get("/api/runs/:id/live", (c) => {
    const runId = c.req.param("id");
    let after = Math.max(0, Number(c.req.query("after") ?? 0) || 0);
    return streamSSE(c, async (stream) => {
      let last = "";
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      while (!closed) {
        const run = await saver.run(runId);
        const events = await saver.events(runId, { after, limit: EVENTS_PAGE });
        const stamp = run ? `${run.status}:${run.steps}:${run.updatedAt}` : "";
        if (stamp !== last && run) {
          last = stamp;
          await stream.writeSSE({ event: "run", data: JSON.stringify(row(run)) });
        }
        if (events.length > 0) {
          after = events.at(-1)?.seq ?? after;
          await stream.writeSSE({ event: "events", data: JSON.stringify(events.map(clean)) });
        }
        await stream.sleep(events.length === EVENTS_PAGE ? 0 : pollMs);
      }
    });
  });

  app.post("/api/runs/:id/answer", async (c) => {
    const runId = c.req.param("id");
    if (!actions) return c.json({ error: { name: "NoFlow", message: "Studio was started without --flow: run the command shown." } }, 409);
    const body = (await c.req.json()) as { answer?: unknown };
    const started = await actions.answer(runId, body.answer);
    index.invalidate();
    return c.json(started, started.error ? 409 : 202);
  });

  app.post("/api/runs/:id/fork", async (c) => {
    const runId = c.req.param("id");
    if (!actions) return c.json({ error: { name: "NoFlow", message: "Studio was started without --flow: run the command shown." } }, 409);
    const body = (await c.req.json()) as { seq?: unknown; state?: unknown; forkAs?: unknown };
    if (!Number.isInteger(body.seq) || typeof body.forkAs !== "string" || body.forkAs === "") {
      return c.json(
        { error: { name: "BadRequest", message: "Give { seq, state, forkAs }: the step to fork from, the edited state, the new run id." } },
        400,
      );
    }
    const started = await actions.fork({ runId, seq: body.seq as number, state: body.state, forkAs: body.forkAs });
    index.invalidate();
    return c.json(started, started.error ? 409 : 202);
  });

  app.get("/assets/*", async (c) => {
    const file = await asset(options.clientDir, c.req.path.slice("/assets/".length));
    if (!file) return c.notFound();
    return c.body(file.body, 200, { "content-type": file.type, "cache-control": "no-cache" });
  });

  app.get("/", async (c) => {
    const file = await asset(options.clientDir, "index.html");
    if (!file) return c.text(`Studio's UI is not built in ${options.clientDir}: run npm run build:client -w @flowlet/studio.`, 500);
    return c.body(file.body, 200, { "content-type": file.type, "cache-control": "no-cache" });
  });

  return app;
}

function clean(event: RunEvent): RunEvent {
  return event.data === undefined ? event : { ...event, data: redact(event.data) };
}

async function asset(dir: string, path: string): Promise<{ body: Uint8Array<ArrayBuffer>; type: string } | undefined> {
  const full = normalize(join(dir, path));
  if (!full.startsWith(normalize(dir) + sep)) return undefined;
  const type = TYPES[extname(full)];
  if (!type) return undefined;
  const body = await readFile(full).catch(() => undefined);
  return body && { body: new Uint8Array(body), type };
}

import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LLM } from "@flowlet/llm";
import { answerFlow } from "../live-stream/flow.js";

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>Flowlet live</title>
<form id="f"><input name="q" size="60" value="Why is the sky blue?"><button>Ask</button></form>
<ol id="progress"></ol><p id="answer"></p>
<script>
  f.onsubmit = (e) => {
    e.preventDefault();
    progress.textContent = answer.textContent = "";
    const events = new EventSource("/ask?q=" + encodeURIComponent(f.q.value));
    events.addEventListener("nodeStart", (m) => progress.insertAdjacentHTML("beforeend", "<li>" + JSON.parse(m.data).path + "</li>"));
    events.addEventListener("custom", (m) => (answer.textContent += JSON.parse(m.data).data.token));
    events.addEventListener("end", () => events.close());
    events.addEventListener("failed", (m) => { answer.textContent = JSON.parse(m.data).message; events.close(); });
  };
</script>`;

/**
 * Serves a small page, and `/ask?q=…`, which runs the answer flow and sends its `flow.stream`
 * events as Server-Sent Events (`event: <type>`, `data: <json>`). A client that goes away stops
 * the run: leaving the `for await` aborts it, and the LLM call with it.
 */
export function sseServer(llm: LLM, options: { onDone?: (how: "completed" | "disconnected" | "failed") => void } = {}): Server {
  const flow = answerFlow(llm);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
    if (url.pathname !== "/ask") return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const events = flow.stream({ question: url.searchParams.get("q") ?? "" });
    let gone = false;
    res.on("close", () => {
      gone = !res.writableFinished;
      if (gone) void events.return?.();
    });
    void (async () => {
      try {
        for await (const event of events) {
          const data = event.type === "error" ? { ...event, error: String(event.error) } : event;
          // Backpressure reaches the run: a full socket buffer makes this loop, and so the flow, wait.
          if (!res.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`)) await new Promise((r) => res.once("drain", r));
        }
        options.onDone?.(gone ? "disconnected" : "completed");
      } catch (error) {
        res.write(`event: failed\ndata: ${JSON.stringify({ message: error instanceof Error ? error.message : String(error) })}\n\n`);
        options.onDone?.("failed");
      }
      res.end();
    })();
  });
}

/** Listens on 127.0.0.1 (port 0: any free port) and resolves to the server's URL. */
export async function listen(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

import { type EventSourceMessage, createParser } from "eventsource-parser";
import type { Live } from "./http.js";

/**
 * The server-sent events of `response`, as they complete. Bytes are decoded as one UTF-8 stream,
 * so a character split across chunks survives; line handling (CRLF, multi-line `data:`,
 * `:` comments) is eventsource-parser's. Each chunk restarts the idle timeout.
 */
export async function* readEvents(response: Response, live: Live): AsyncGenerator<EventSourceMessage> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      // Time the consumer spends on an event is not the server's silence.
      live.pause();
      yield* ready.splice(0);
      if (done) return;
      live.touch();
    }
  } finally {
    // Stops the download when the consumer breaks out early.
    reader.releaseLock();
    await response.body.cancel().catch(() => {});
  }
}

/**
 * `flow.stream`: a run's events as an `AsyncIterable`, with backpressure. The run is the same
 * engine as `flow.run`, given a listener; this file is only the bounded queue between them.
 */
import { StreamOverflowError } from "./errors.js";
import type { CheckpointEvent, CustomEvent, InterruptEvent, Listener, NodeEvent, Payloads, StoreEvent } from "./events.js";

/** One event of a streamed run. Discriminate on `type`. */
export type FlowEvent =
  | ({ type: "nodeStart" } & NodeEvent)
  | ({ type: "nodeEnd"; action: string; durationMs: number } & NodeEvent)
  /** A failed attempt of prep, exec or post: `willRetry` says whether another attempt follows. */
  | ({ type: "error"; error: unknown; attempt: number; willRetry: boolean; item?: number | undefined } & NodeEvent)
  | ({ type: "custom" } & CustomEvent)
  | ({ type: "store" } & StoreEvent)
  | ({ type: "interrupt" } & InterruptEvent)
  | ({ type: "checkpoint" } & CheckpointEvent)
  /** The last event: how the run ended (an interrupted result only for checkpointed runs). */
  | { type: "end"; result: StreamResult };

/** How a streamed run ended. */
export type StreamResult =
  | { status: "completed"; action: string; runId?: string }
  | { status: "interrupted"; payload: unknown; runId: string };

/** Options of `flow.stream`, besides those of `flow.run`. */
export interface StreamOptions {
  /**
   * Events the stream holds for a slow consumer before the run waits for it (default 64). The
   * engine waits before each node while the buffer is full, and `await ctx.emit(...)` waits too;
   * a node that emits without awaiting may run ahead up to 16 times this, then `ctx.emit` throws
   * `StreamOverflowError`. Memory stays bounded either way.
   */
  buffer?: number;
  /** Also stream a `store` event after each node, with the top-level keys of the shared store it changed. */
  storeUpdates?: boolean;
}

const NAMES: Partial<Record<keyof Payloads, FlowEvent["type"]>> = {
  nodeStart: "nodeStart",
  nodeEnd: "nodeEnd",
  nodeError: "error",
  custom: "custom",
  store: "store",
  interrupt: "interrupt",
  checkpoint: "checkpoint",
};

/**
 * @internal The queue between a run and its consumer. `start` runs the flow (once, on the first
 * `next`), given the listener and the room check; breaking out of `for await` aborts it.
 */
export class EventStream implements AsyncIterableIterator<FlowEvent> {
  readonly #buffer: FlowEvent[] = [];
  readonly #high: number;
  readonly #max: number;
  readonly #controller = new AbortController();
  #start:
    | ((parts: { listener: Listener; room: () => Promise<void> | undefined; signal: AbortSignal }) => Promise<StreamResult>)
    | undefined;
  /** The consumer, waiting for the next event. */
  #pull: { resolve: (r: IteratorResult<FlowEvent>) => void; reject: (e: unknown) => void } | undefined;
  /** Producers waiting for room. */
  #waiting: (() => void)[] = [];
  #room: Promise<void> | undefined;
  #ended: { error: unknown } | "done" | undefined;
  #closed = false;

  constructor(
    start: (parts: { listener: Listener; room: () => Promise<void> | undefined; signal: AbortSignal }) => Promise<StreamResult>,
    buffer = 64,
  ) {
    if (!(Number.isInteger(buffer) && buffer >= 1)) throw new RangeError(`stream buffer must be an integer ≥ 1, got ${String(buffer)}`);
    this.#start = start;
    this.#high = buffer;
    this.#max = buffer * 16;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<FlowEvent>> {
    this.#begin();
    const event = this.#buffer.shift();
    if (event) {
      // Producers go on once the buffer is half empty, not at the first free slot: waking them per
      // event would cost a promise round trip per event.
      if (this.#waiting.length > 0 && this.#buffer.length <= this.#high >> 1) this.#release();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#ended === "done" || this.#closed) return Promise.resolve({ value: undefined, done: true });
    if (this.#ended) {
      const { error } = this.#ended;
      this.#ended = "done";
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#pull = { resolve, reject };
    });
  }

  /** Breaking out of `for await` lands here: the run is aborted, and its in-flight nodes see `ctx.signal` abort. */
  return(): Promise<IteratorResult<FlowEvent>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#buffer.length = 0;
      this.#release();
      // A consumer waiting in another `next()` (return called from outside the loop) is done too.
      const pull = this.#pull;
      this.#pull = undefined;
      pull?.resolve({ value: undefined, done: true });
      this.#controller.abort(new DOMException("The consumer of flow.stream stopped reading.", "AbortError"));
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #begin(): void {
    const start = this.#start;
    if (!start) return;
    this.#start = undefined;
    const listener: Listener = (name, payload) => {
      const type = NAMES[name];
      if (type) this.#push({ type, ...payload } as FlowEvent, name === "custom");
    };
    start({ listener, room: () => this.#full(), signal: this.#controller.signal }).then(
      (result) => {
        this.#push({ type: "end", result }, false);
        this.#finish(undefined);
      },
      (error: unknown) => this.#finish({ error }),
    );
  }

  #push(event: FlowEvent, custom: boolean): void {
    if (this.#closed) return;
    const pull = this.#pull;
    if (pull) {
      this.#pull = undefined;
      pull.resolve({ value: event, done: false });
      return;
    }
    // The engine stops at the gate before each node, so only a node's own un-awaited emits can
    // outrun the consumer without bound: those are refused past the hard limit.
    if (custom && this.#buffer.length >= this.#max) throw new StreamOverflowError(this.#max);
    this.#buffer.push(event);
  }

  #finish(ended: { error: unknown } | undefined): void {
    if (this.#closed) return;
    const pull = this.#pull;
    this.#pull = undefined;
    if (!ended) {
      this.#ended = "done";
      pull?.resolve({ value: undefined, done: true });
    } else if (pull) {
      this.#ended = "done";
      pull.reject(ended.error);
    } else {
      this.#ended = ended;
    }
  }

  /** Undefined while the buffer has room; else a promise that resolves once the consumer has caught up. */
  #full(): Promise<void> | undefined {
    if (this.#buffer.length < this.#high || this.#closed) return undefined;
    this.#room ??= new Promise((resolve) => this.#waiting.push(resolve));
    return this.#room;
  }

  #release(): void {
    this.#room = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}

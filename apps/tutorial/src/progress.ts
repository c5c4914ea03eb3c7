/** One step of a run, as the pipeline and the offline mode report it. */
export type ProgressUpdate = { stage: string; done?: number; total?: number; tokens?: number; message?: string };

/** Where progress goes: a TTY gets one live line, anything else (CI, pipes, files) plain lines. */
export type ProgressStream = { write(chunk: string): unknown; isTTY?: boolean; columns?: number };

/** A progress display. `stop` must be called (it restores the cursor on a TTY). */
export interface Progress {
  update(event: ProgressUpdate): void;
  /** A message that stays on screen, printed above the live line. */
  log(message: string): void;
  stop(): void;
}

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
const CLEAR_LINE = "\r\x1b[2K";

/**
 * Shows a run's progress: on a TTY one line redrawn in place (stage, done/total, tokens, elapsed
 * time) with the cursor hidden until `stop` or process exit; elsewhere a plain line whenever the
 * stage or the count changes, so logs stay readable.
 */
export function createProgress(stream: ProgressStream, options: { live?: boolean; now?: () => number } = {}): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const live = options.live ?? stream.isTTY === true;
  let state: ProgressUpdate | undefined;
  let lastPlain = { stage: "", message: "", at: Number.NEGATIVE_INFINITY };
  let frame = 0;
  let stopped = false;

  const elapsed = () => formatDuration(now() - started);
  const describe = (event: ProgressUpdate) =>
    [
      event.stage,
      event.total !== undefined ? `${event.done ?? 0}/${event.total}` : undefined,
      event.tokens ? `${event.tokens.toLocaleString("en-US")} tokens` : undefined,
      event.message,
    ]
      .filter(Boolean)
      .join(" · ");

  const draw = () => {
    if (!state || stopped) return;
    const line = `${SPINNER[frame++ % SPINNER.length]} ${describe(state)} · ${elapsed()}`;
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(20, (stream.columns || 80) - 1);
    stream.write(CLEAR_LINE + ([...line].length > width ? `${[...line].slice(0, width - 1).join("")}…` : line));
  };
  const restoreCursor = () => {
    if (live) stream.write(SHOW_CURSOR);
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  if (live) {
    stream.write(HIDE_CURSOR);
    process.once("exit", restoreCursor);
    timer = setInterval(draw, 100);
    timer.unref();
  }

  return {
    update(event) {
      if (stopped) return;
      // A new stage starts its own count; the token total carries over.
      state =
        event.stage === state?.stage ? { ...state, ...event, message: event.message } : { ...event, tokens: event.tokens ?? state?.tokens };
      if (live) return draw();
      // Plain lines for logs: every stage, message and completed count, other counts at most once a second.
      const message = state.message ?? "";
      const due =
        state.stage !== lastPlain.stage || message !== lastPlain.message || state.done === state.total || now() - lastPlain.at >= 1000;
      if (due) {
        lastPlain = { stage: state.stage, message, at: now() };
        stream.write(`[${elapsed()}] ${describe(state)}\n`);
      }
    },
    log(message) {
      if (live && !stopped) {
        stream.write(`${CLEAR_LINE}${message}\n`);
        draw();
      } else {
        stream.write(`${message}\n`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (live) {
        stream.write(CLEAR_LINE + SHOW_CURSOR);
        process.removeListener("exit", restoreCursor);
      }
    },
  };
}

/** `m:ss` (or `h:mm:ss`) of a duration in milliseconds. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

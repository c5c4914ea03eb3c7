import { createInterface, type Interface } from "node:readline";

/**
 * Line-based terminal I/O for the interactive examples: piped or a TTY, it behaves the same.
 *
 * Ctrl-C (SIGINT) aborts the work running inside {@link interruptible}; with
 * nothing interruptible in flight it closes the terminal, so the next {@link ask} returns `null`
 * and the program ends the way it does on EOF.
 */
export class Terminal {
  readonly #rl: Interface;
  readonly #lines: AsyncIterator<string>;
  readonly #output: NodeJS.WritableStream;
  #current: AbortController | undefined;
  readonly #onSigint = () => this.interrupt();

  constructor(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout) {
    this.#output = output;
    this.#rl = createInterface({ input, terminal: false });
    // The async iterator buffers lines that arrive while nobody is asking (piped input does that).
    this.#lines = this.#rl[Symbol.asyncIterator]();
    // terminal: false leaves ^C to the TTY, which sends the process a SIGINT.
    process.on("SIGINT", this.#onSigint);
  }

  /** Prints `prompt` and resolves to the next line, or `null` at EOF or after Ctrl-C. */
  async ask(prompt: string): Promise<string | null> {
    this.write(prompt);
    const next = await this.#lines.next();
    return next.done ? null : next.value;
  }

  write(text: string): void {
    this.#output.write(text);
  }

  /** Runs `work` with a signal that Ctrl-C aborts, instead of closing the terminal. */
  async interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.#current = controller;
    try {
      return await work(controller.signal);
    } finally {
      this.#current = undefined;
    }
  }

  /** What Ctrl-C does; public so a program can trigger the same on its own terms. */
  interrupt(): void {
    if (this.#current) this.#current.abort(new InterruptedError());
    else this.close();
  }

  close(): void {
    process.off("SIGINT", this.#onSigint);
    this.#rl.close();
  }
}

/** The reason a {@link Terminal.interruptible} signal aborts with when the user presses Ctrl-C. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor() {
    super("Interrupted by Ctrl-C.");
  }
}

import { type CheckpointSaver, type Flow, type RunInfo, shapeOf } from "flowlet";
import { redact } from "./redact.js";

type AnyFlow = Flow<never, unknown, unknown>;

/** What an answer or a fork request got: the run it continues in, or why it could not start. */
export interface ActionResult {
  runId: string;
  error?: { name: string; message: string };
}

/** How long a request waits for an early refusal (a locked run, a mismatched flow) before answering "started". */
const EARLY_MS = 250;

/**
 * Resumes and forks runs with the flow given by `--flow`. Runs go on in the background after the
 * request is answered: the live view shows them advance, and the registry records how they end.
 */
export class Actions {
  readonly #flow: AnyFlow;
  readonly #saver: CheckpointSaver;
  readonly #shape: string;

  constructor(flow: AnyFlow, saver: CheckpointSaver) {
    this.#flow = flow;
    this.#saver = saver;
    this.#shape = shapeOf(flow as never);
  }

  get flowName(): string {
    return this.#flow.name;
  }

  /** Whether this flow can continue `run`: the same graph shape, or why not. */
  describe(run: RunInfo): { flow: string; fits: boolean; reason?: string } {
    if (run.shape === this.#shape) return { flow: this.#flow.name, fits: true };
    return {
      flow: this.#flow.name,
      fits: false,
      reason: `This run was written by flow "${run.flow}" of another shape than the --flow module's "${this.#flow.name}": start Studio with that flow's module.`,
    };
  }

  /** Resumes an interrupted run with `answer` for its pending `ctx.interrupt`. */
  answer(runId: string, answer: unknown): Promise<ActionResult> {
    return this.#start(runId, () => this.#flow.resume(runId, { checkpoint: this.#saver, resumeWith: answer }));
  }

  /** Continues `runId` from step `seq` as the new run `forkAs`, with the store replaced by `state`. */
  fork(request: { runId: string; seq: number; state: unknown; forkAs: string }): Promise<ActionResult> {
    const { runId, seq, state, forkAs } = request;
    return this.#start(forkAs, () =>
      this.#flow.resume(runId, { checkpoint: this.#saver, from: seq, forkAs, update: () => state as never }),
    );
  }

  async #start(runId: string, go: () => Promise<unknown>): Promise<ActionResult> {
    const running = go();
    const early = await Promise.race([
      running.then(
        () => undefined,
        (error: unknown) => error,
      ),
      new Promise<"started">((resolve) => setTimeout(resolve, EARLY_MS, "started")),
    ]);
    // Later failures are the run's own: the engine records them in the registry, where Studio shows them.
    running.catch(() => {});
    if (early === "started" || early === undefined) return { runId };
    const error = early instanceof Error ? early : new Error(String(early));
    return { runId, error: { name: error.name, message: String(redact(error.message)) } };
  }
}

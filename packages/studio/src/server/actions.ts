import { type CheckpointSaver, type ResumeOptions, type RunInfo, describeGraph, shapeOf } from "flowlet";
import { stateAt } from "./history.js";
import { redact } from "./redact.js";

/** A flow as Studio uses it: named and resumable. Every `Flow` is one, whatever its store type. */
export interface StudioFlow {
  readonly name: string;
  resume(runId: string, options: ResumeOptions<never>): Promise<unknown>;
}
type AnyFlow = StudioFlow;

/** What an answer or a fork request got: the run it continues in, or why it could not start. */
export interface ActionResult {
  runId: string;
  error?: { name: string; message: string };
}

/** Whether Studio can continue a run itself, and with which flow. */
export interface RunActions {
  flow: string | null;
  fits: boolean;
  reason?: string;
}

/** How long a request waits for an early refusal (a locked run, a mismatched flow) before answering "started". */
const EARLY_MS = 250;

/**
 * Resumes and forks runs with the flows given by `--flow`, each run by the flow of its graph's
 * shape. Runs go on in the background after the request is answered: the live view shows them
 * advance, and the registry records how they end.
 */
export class Actions {
  readonly #flows: Map<string, AnyFlow>;
  readonly #saver: CheckpointSaver;

  constructor(flows: AnyFlow[], saver: CheckpointSaver) {
    this.#flows = new Map(flows.map((flow) => [shapeOf(flow as unknown as Parameters<typeof shapeOf>[0]), flow]));
    this.#saver = saver;
  }

  /** The flows' names, for the header. */
  get flowNames(): string[] {
    return [...this.#flows.values()].map((flow) => flow.name);
  }

  /** Whether one of the flows can continue `run` (the same graph shape), or why not. */
  describe(run: RunInfo): RunActions {
    const flow = this.#flows.get(run.shape);
    if (flow) return { flow: flow.name, fits: true };
    return {
      flow: null,
      fits: false,
      reason: `This run was written by flow "${run.flow}", whose graph is not among the --flow modules' (${this.flowNames.join(", ")}): start Studio with that flow's module.`,
    };
  }

  /** The graph of the flow that fits `run`, as JSON, for runs saved before the engine recorded `RunInfo.graph`. */
  graphOf(run: RunInfo): string | undefined {
    const flow = this.#flows.get(run.shape);
    return flow && JSON.stringify(describeGraph(flow as unknown as Parameters<typeof describeGraph>[0]));
  }

  /** Resumes an interrupted run with `answer` for its pending `ctx.interrupt`. */
  async answer(runId: string, answer: unknown): Promise<ActionResult> {
    const flow = await this.#flowOf(runId);
    if ("error" in flow) return { runId, error: flow.error };
    return this.#start(runId, () => flow.resume(runId, { checkpoint: this.#saver, resumeWith: answer }));
  }

  /** Continues `runId` from step `seq` as the new run `forkAs`, with the store replaced by `state`. */
  async fork(request: { runId: string; seq: number; state: unknown; forkAs: string }): Promise<ActionResult> {
    const { runId, seq, state, forkAs } = request;
    const flow = await this.#flowOf(runId);
    if ("error" in flow) return { runId: forkAs, error: flow.error };
    const before = await stateAt(this.#saver, runId, seq);
    if (!before) return { runId: forkAs, error: { name: "NotFound", message: `Run "${runId}" has no step ${seq}.` } };
    if (!isRecord(state) || !isRecord(before.shared)) {
      return { runId: forkAs, error: { name: "BadRequest", message: "The edited state must be a JSON object, as the store is." } };
    }
    // The core's update is a patch of top-level keys: keys the edit removed are deleted.
    const update: Record<string, unknown> = { ...state };
    for (const key of Object.keys(before.shared)) if (!(key in state)) update[key] = undefined;
    return this.#start(forkAs, () => flow.resume(runId, { checkpoint: this.#saver, from: seq, forkAs, update }));
  }

  async #flowOf(runId: string): Promise<AnyFlow | { error: { name: string; message: string } }> {
    const run = await this.#saver.run(runId);
    if (!run) return { error: { name: "NotFound", message: `No run "${runId}" in ${this.#saver.name}.` } };
    const flow = this.#flows.get(run.shape);
    return flow ?? { error: { name: "FlowMismatch", message: this.describe(run).reason ?? "" } };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

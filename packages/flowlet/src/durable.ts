/**
 * Durable runs over a {@link CheckpointSaver}: {@link CheckpointJournal}, the journal that saves a
 * checkpoint after every step and batch item, and the functions that open a fresh run or reopen a
 * saved one for the engine.
 */
import type { Checkpoint, CheckpointSaver, Frame } from "./checkpoint.js";
import { CheckpointMismatchError, CheckpointNotFoundError, ConfigError, RunExistsError } from "./errors.js";
import { shapeOf } from "./graph.js";
import type { BatchKind, FlowPosition, Journal, Outcome } from "./journal.js";
import type { CheckpointEvent } from "./events.js";
import { ROOT_KEY, isBreakpointKey, isWithin, runKey } from "./keys.js";
import type { BaseNode } from "./node.js";
import type { RunOptions } from "./run.js";
import { type JSONValue, assertJSON } from "./snapshot.js";
import { Store } from "./store.js";

/** Options of a checkpointed `flow.run`. */
export interface DurableRunOptions extends RunOptions {
  /** Where checkpoints go: one is saved after every completed node and batch item. */
  checkpoint: CheckpointSaver;
  /** Names the run, for `flow.resume(runId)`. Must not have checkpoints yet. */
  runId: string;
}

/** Options of `flow.resume`. */
export interface ResumeOptions<S> extends Omit<RunOptions, "params"> {
  checkpoint: CheckpointSaver;
  /** The answer to the pending `ctx.interrupt(...)`: the interrupted node runs again and gets it. */
  resumeWith?: unknown;
  /** The object or Store to restore the shared state into. Default: a new plain object (or Store). */
  shared?: S;
  /** Time travel: resume from this earlier step (a `seq` of `saver.list(runId)`) instead of the latest. */
  from?: number;
  /** Save the continuation under this new run id, leaving the original run's history as it was. */
  forkAs?: string;
}

/** How a checkpointed run ended: finished, or paused for human input. */
export type RunResult<S> =
  | { status: "completed"; action: string; shared: S; runId: string }
  | { status: "interrupted"; payload: unknown; shared: S; runId: string };

/** @internal What a checkpoint journal starts from. */
interface JournalState {
  saver: CheckpointSaver;
  runId: string;
  /** The top flow's name: the node a "completed" checkpoint names. */
  top: string;
  shape: string;
  shared: unknown;
  params: JSONValue;
  /** The last seq saved under `runId` (0 for a new run). */
  seq: number;
  /** The seq this run was forked from, if it was. */
  parent?: number | undefined;
  frames?: Record<string, Frame>;
  answers?: Record<string, JSONValue[]>;
  /** Told after each save. */
  notify?: ((event: CheckpointEvent) => void) | undefined;
}

/** @internal A run opened for the engine, or one that has nothing left to run. */
export type Opened<S> =
  | { done: true; shared: S; runId: string; action: string }
  | { done: false; journal: Journal; shared: S; params: JSONValue; runId: string };

/** @internal The v1 journal: live frames, and saves that never overlap. */
export class CheckpointJournal implements Journal {
  readonly durable = true;
  readonly runId: string;
  readonly #state: JournalState;
  readonly #frames: Map<string, Frame>;
  readonly #answers: Record<string, JSONValue[]>;
  /** Frames loaded from the checkpoint and not yet picked up by the part of the graph they describe. */
  readonly #unclaimed: Set<string>;
  #seq: number;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #settled = false;

  constructor(state: JournalState) {
    this.#state = state;
    this.runId = state.runId;
    this.#seq = state.seq;
    this.#frames = new Map(Object.entries(state.frames ?? {}));
    this.#answers = state.answers ?? {};
    this.#unclaimed = new Set(this.#frames.keys());
  }

  openFlow(key: string): FlowPosition | undefined {
    const frame = this.#claim(key, "flow");
    return frame && { next: frame.next, steps: frame.steps, action: frame.action };
  }

  recordStep(flow: string, node: string, position: FlowPosition, path: string): Promise<void> {
    this.#finish(node);
    this.#frames.set(flow, { kind: "flow", ...position });
    return this.#commit(path, "running");
  }

  openBatch(key: string, kind: BatchKind): ReadonlyMap<string, unknown> {
    const frame = this.#claim(key, kind) ?? { kind, done: {} };
    this.#frames.set(key, frame);
    return new Map(Object.entries(frame.done));
  }

  recordItem(key: string, kind: BatchKind, id: string, result: unknown, path: string): Promise<void> {
    const frame = this.#frames.get(key) as { done: Record<string, unknown> } | undefined;
    if (this.#settled || !frame) return Promise.resolve();
    frame.done[id] = assertJSON(result, `the result of item ${id} of "${path}"`);
    if (kind === "batchFlow") this.#finish(runKey(key, id));
    return this.#commit(path, "running");
  }

  answer(key: string, call: number): { value: unknown } | undefined {
    const answers = this.#answers[key];
    return answers && call < answers.length ? { value: answers[call] } : undefined;
  }

  settle(outcome: Outcome): Promise<void> | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    if (outcome.status === "completed") return this.#commit(this.#state.top, "completed", undefined, true);
    if (outcome.status === "interrupted") {
      const interrupt = { key: outcome.key, payload: assertJSON(outcome.payload, "interrupt payload") };
      return this.#commit(outcome.path, "interrupted", interrupt, true);
    }
    // Version 1 checkpoints have no failed or canceled status: the last "running" one stays, to resume from.
    return this.#tail;
  }

  /** The saved frame for `key`, the first time that part of the graph starts again after a resume. */
  #claim<K extends Frame["kind"]>(key: string, kind: K): Extract<Frame, { kind: K }> | undefined {
    if (!this.#unclaimed.delete(key)) return undefined;
    const frame = this.#frames.get(key);
    if (frame?.kind !== kind) throw new CheckpointMismatchError(`Checkpoint frame "${key}" is a ${frame?.kind}, not a ${kind}.`);
    return frame as Extract<Frame, { kind: K }>;
  }

  /**
   * Forgets the frames and interrupt answers of a finished part of the graph: the node at `key` and
   * everything inside it. A later visit of the same node starts afresh and asks afresh.
   */
  #finish(key: string): void {
    for (const k of this.#frames.keys()) {
      if (isWithin(k, key)) {
        this.#frames.delete(k);
        this.#unclaimed.delete(k);
      }
    }
    for (const k of Object.keys(this.#answers)) if (isWithin(k, key)) delete this.#answers[k];
  }

  /**
   * Saves the run as it stands. Calls made while a save is queued share it, and the state is read
   * when the save starts, so concurrent batch items cost one save, not one each. Once the run has
   * settled, only the settling save itself is made.
   */
  #commit(node: string, status: Checkpoint["status"], interrupt?: Checkpoint["interrupt"], final = false): Promise<void> {
    if (this.#queued && !final) return this.#queued;
    const save = this.#tail.then(() => {
      if (!final) this.#queued = undefined;
      if (this.#settled && !final) return;
      const checkpoint = this.#checkpoint(node, status, interrupt);
      return this.#state.saver.save(checkpoint).then(() => this.#state.notify?.({ runId: checkpoint.runId, seq: checkpoint.seq, node, status }));
    });
    if (!final) this.#queued = save;
    this.#tail = save.catch(() => {});
    return save;
  }

  #checkpoint(node: string, status: Checkpoint["status"], interrupt: Checkpoint["interrupt"]): Checkpoint {
    const { shared, runId, shape, params, parent } = this.#state;
    const store = shared instanceof Store;
    const cp: Checkpoint = {
      version: 1,
      runId,
      seq: ++this.#seq,
      at: new Date().toISOString(),
      status,
      shape,
      node,
      shared: store ? (shared as Store<Record<string, unknown>>).snapshot() : assertJSON(shared, "shared"),
      sharedKind: store ? "store" : "object",
      params,
      frames: Object.fromEntries(this.#frames),
      answers: this.#answers,
    };
    if (parent !== undefined) cp.parent = parent;
    if (interrupt) cp.interrupt = interrupt;
    return cp;
  }
}

/** @internal Opens a fresh checkpointed run of `flow`. */
export async function openRun<S>(
  flow: BaseNode<S>,
  shared: S,
  options: DurableRunOptions,
  notify?: (event: CheckpointEvent) => void,
): Promise<Opened<S>> {
  const { checkpoint: saver, runId } = options;
  if (typeof runId !== "string" || runId === "") throw new ConfigError("A checkpointed run needs a runId: flow.run(shared, { checkpoint, runId }).");
  if (await saver.load(runId)) {
    throw new RunExistsError(`Run "${runId}" already has checkpoints: continue it with flow.resume("${runId}", …), or delete it from the saver, or pick another runId.`);
  }
  const params = assertJSON(options.params ?? {}, "params");
  const journal = new CheckpointJournal({ saver, runId, top: flow.name, shape: shapeOf(flow), shared, params, seq: 0, notify });
  return { done: false, journal, shared, params, runId };
}

/**
 * @internal Reopens a saved run: loads the checkpoint to resume, checks it fits the flow, and restores
 * the shared state. `done` when the run has completed, and there is nothing left to run.
 */
export async function reopenRun<S>(
  flow: BaseNode<S>,
  runId: string,
  options: ResumeOptions<S>,
  notify?: (event: CheckpointEvent) => void,
): Promise<Opened<S>> {
  const saver = options.checkpoint;
  const checkpoint = await saver.load(runId, options.from);
  if (!checkpoint) {
    const what = options.from === undefined ? "no checkpoints" : `no checkpoint at step ${options.from}`;
    throw new CheckpointNotFoundError(`Run "${runId}" has ${what} in this saver: start it with flow.run(shared, { checkpoint, runId }).`);
  }
  const shape = shapeOf(flow);
  if (checkpoint.shape !== shape) {
    throw new CheckpointMismatchError(
      `Run "${runId}" was checkpointed by a flow of another shape (its nodes or edges changed since). Resume it with the flow that started it, or start a new run.`,
    );
  }
  const shared = restoreShared(checkpoint, options.shared);
  const answers = structuredClone(checkpoint.answers ?? {});
  const paused = checkpoint.status === "interrupted" ? checkpoint.interrupt : undefined;
  if (paused && isBreakpointKey(paused.key)) {
    // Resuming from a breakpoint passes it: its one "answer" lets the node run.
    answers[paused.key] = [assertJSON(options.resumeWith ?? null, "resumeWith")];
  } else if (options.resumeWith !== undefined) {
    if (checkpoint.status !== "interrupted" || !checkpoint.interrupt) {
      throw new ConfigError(`Run "${runId}" is not waiting for input (its last step is "${checkpoint.status}"), so resumeWith has nowhere to go.`);
    }
    const key = checkpoint.interrupt.key;
    answers[key] = [...(answers[key] ?? []), assertJSON(options.resumeWith, "resumeWith")];
  }
  if (checkpoint.status === "completed" && options.from === undefined) {
    const root = checkpoint.frames[ROOT_KEY];
    return { done: true, shared, runId, action: root?.kind === "flow" ? root.action : "" };
  }
  let seq = checkpoint.seq;
  const target = options.forkAs ?? runId;
  if (options.forkAs !== undefined) {
    if (await saver.load(options.forkAs)) throw new RunExistsError(`Run "${options.forkAs}" already exists: fork into a new runId.`);
    seq = 0;
  } else if (options.from !== undefined) {
    seq = (await saver.list(runId)).reduce((max, row) => Math.max(max, row.seq), 0);
  }
  const parent = options.from !== undefined || options.forkAs !== undefined ? checkpoint.seq : checkpoint.parent;
  const journal = new CheckpointJournal({
    saver,
    runId: target,
    top: flow.name,
    shape,
    shared,
    params: checkpoint.params,
    seq,
    parent,
    frames: checkpoint.frames,
    answers,
    notify,
  });
  return { done: false, journal, shared, params: checkpoint.params, runId: target };
}

function restoreShared<S>(checkpoint: Checkpoint, into: S | undefined): S {
  const data = checkpoint.shared as Record<string, unknown>;
  if (into instanceof Store) return into.load(data) as S;
  if (into !== undefined) {
    const target = into as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    return Object.assign(target, data) as S;
  }
  return (checkpoint.sharedKind === "store" ? Store.restore(data) : data) as S;
}

import {
  type Checkpoint,
  CheckpointMismatchError,
  CheckpointNotFoundError,
  type CheckpointSaver as EngineSaver,
  type Frame,
  RunExistsError,
} from "./checkpoint.js";
import { ConfigError } from "./errors.js";
import { reachable } from "./graph.js";
import type { BaseNode } from "./node.js";
import type { RunOptions } from "./scope.js";
import { type CorruptHandler, legacySaver } from "./legacy-saver.js";
import type { CheckpointSaver } from "./saver.js";
import { type JSONValue, assertJSON } from "./snapshot.js";
import { Store } from "./store.js";

/** Options of a checkpointed `flow.run`. */
export interface DurableRunOptions extends RunOptions {
  /** Where checkpoints go: one is saved after every completed node and batch item. */
  checkpoint: CheckpointSaver;
  /** Told about each damaged checkpoint skipped for the one before it. Default: `console.warn`. */
  onCorrupt?: CorruptHandler;
  /** Names the run, for `flow.resume(runId)`. Must not have checkpoints yet. */
  runId: string;
}

/** Options of `flow.resume`. */
export interface ResumeOptions<S> extends Omit<RunOptions, "params"> {
  checkpoint: CheckpointSaver;
  /** Told about each damaged checkpoint skipped for the one before it. Default: `console.warn`. */
  onCorrupt?: CorruptHandler;
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

/** @internal Per-step durable state, reachable from the step's NodeContext. */
export interface StepState {
  readonly durable: Durable;
  /** The node's place in the graph, e.g. "3/0" or "2[5]/1". */
  readonly key: string;
  readonly path: string;
  /** `ctx.interrupt` calls so far in this visit, matched in order to the saved answers. */
  calls: number;
}

/** @internal The checkpointing side of one run: live frames, and saves that never overlap. */
export class Durable {
  readonly frames: Map<string, Frame>;
  /** Frames loaded from the checkpoint and not yet picked up by the part of the graph they describe. */
  readonly #unclaimed: Set<string>;
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(
    readonly saver: EngineSaver,
    readonly runId: string,
    readonly shape: string,
    readonly shared: unknown,
    readonly params: JSONValue,
    public seq: number,
    readonly parent: number | undefined,
    frames: Record<string, Frame>,
    readonly answers: Record<string, JSONValue[]>,
  ) {
    this.frames = new Map(Object.entries(frames));
    this.#unclaimed = new Set(this.frames.keys());
  }

  /** The saved frame for `key`, the first time that part of the graph starts again after a resume. */
  claim<K extends Frame["kind"]>(key: string, kind: K): Extract<Frame, { kind: K }> | undefined {
    if (!this.#unclaimed.delete(key)) return undefined;
    const frame = this.frames.get(key);
    if (frame?.kind !== kind) throw new CheckpointMismatchError(`Checkpoint frame "${key}" is a ${frame?.kind}, not a ${kind}.`);
    return frame as Extract<Frame, { kind: K }>;
  }

  /**
   * Forgets the frames and interrupt answers of a finished part of the graph: the node at `key` and
   * everything inside it. A later visit of the same node starts afresh and asks afresh.
   */
  finish(key: string): void {
    const inside = (k: string) => k === key || k.startsWith(`${key}/`) || k.startsWith(`${key}[`) || k.startsWith(`${key}#`);
    for (const k of this.frames.keys()) {
      if (inside(k)) {
        this.frames.delete(k);
        this.#unclaimed.delete(k);
      }
    }
    for (const k of Object.keys(this.answers)) if (inside(k)) delete this.answers[k];
  }

  /**
   * Saves the run as it stands. Calls made while a save is queued share it, and the state is read
   * when the save starts, so concurrent batch items cost one save, not one each.
   */
  commit(node: string, status: Checkpoint["status"] = "running", interrupt?: Checkpoint["interrupt"]): Promise<void> {
    if (this.#queued && status === "running") return this.#queued;
    const save = this.#tail.then(() => {
      this.#queued = undefined;
      return this.saver.save(this.#checkpoint(node, status, interrupt));
    });
    this.#queued = save;
    this.#tail = save.catch(() => {});
    return save;
  }

  #checkpoint(node: string, status: Checkpoint["status"], interrupt: Checkpoint["interrupt"]): Checkpoint {
    const store = this.shared instanceof Store;
    const cp: Checkpoint = {
      version: 1,
      runId: this.runId,
      seq: ++this.seq,
      at: new Date().toISOString(),
      status,
      shape: this.shape,
      node,
      shared: store ? (this.shared as Store<Record<string, unknown>>).snapshot() : assertJSON(this.shared, "shared"),
      sharedKind: store ? "store" : "object",
      params: this.params,
      frames: Object.fromEntries(this.frames),
      answers: this.answers,
    };
    if (this.parent !== undefined) cp.parent = this.parent;
    if (interrupt) cp.interrupt = interrupt;
    return cp;
  }
}

/** @internal Sets up a fresh checkpointed run. */
export async function startDurable(flow: BaseNode<never>, shared: unknown, options: DurableRunOptions): Promise<Durable> {
  const { runId } = options;
  const saver = legacySaver(options.checkpoint, options.onCorrupt);
  if (typeof runId !== "string" || runId === "") throw new ConfigError("A checkpointed run needs a runId: flow.run(shared, { checkpoint, runId }).");
  if (await saver.load(runId)) {
    throw new RunExistsError(`Run "${runId}" already has checkpoints: continue it with flow.resume("${runId}", …), or delete it from the saver, or pick another runId.`);
  }
  const params = assertJSON(options.params ?? {}, "params");
  return new Durable(saver, runId, shapeOf(flow), shared, params, 0, undefined, {}, {});
}

/** @internal Loads the checkpoint to resume, checks it fits the flow, and restores the shared state. */
export async function resumeDurable<S>(
  flow: BaseNode<never>,
  runId: string,
  options: ResumeOptions<S>,
): Promise<{ durable: Durable; checkpoint: Checkpoint; shared: S }> {
  const saver = legacySaver(options.checkpoint, options.onCorrupt);
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
  if (options.resumeWith !== undefined) {
    if (checkpoint.status !== "interrupted" || !checkpoint.interrupt) {
      throw new ConfigError(`Run "${runId}" is not waiting for input (its last step is "${checkpoint.status}"), so resumeWith has nowhere to go.`);
    }
    const key = checkpoint.interrupt.key;
    answers[key] = [...(answers[key] ?? []), assertJSON(options.resumeWith, "resumeWith")];
  }
  let seq = checkpoint.seq;
  const target = options.forkAs ?? runId;
  if (options.forkAs !== undefined) {
    if (await saver.load(options.forkAs)) throw new RunExistsError(`Run "${options.forkAs}" already exists: fork into a new runId.`);
    seq = 0;
  } else {
    // Continue after the latest record, even when that one was damaged and skipped: history is append-only.
    seq = (await saver.list(runId)).reduce((max, row) => Math.max(max, row.seq), 0);
  }
  const forked = options.from !== undefined || options.forkAs !== undefined ? checkpoint.seq : checkpoint.parent;
  const durable = new Durable(saver, target, shape, shared, checkpoint.params, seq, forked, checkpoint.frames, answers);
  return { durable, checkpoint, shared };
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

/**
 * A fingerprint of a graph: node classes and names, in the deterministic order of `reachable`, and
 * the edges between them, nested flows included. Equal graphs built in any process agree on it.
 */
export function shapeOf(node: BaseNode<never>): string {
  const text = describeShape(node, new Set());
  let hash = 0x811c9dc5; // FNV-1a, 32 bit: a checksum of the description, not a security measure
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `${(hash >>> 0).toString(16).padStart(8, "0")}-${text.length}`;
}

function describeShape(node: BaseNode<never>, seen: Set<BaseNode<never>>): string {
  const own = `${node.constructor.name}:${node.name}`;
  const start = (node as { startNode?: BaseNode<never> }).startNode;
  if (!start || seen.has(node)) return own;
  seen.add(node);
  const nodes = reachable(start);
  const index = new Map(nodes.map((n, i) => [n, i]));
  const parts = nodes.map((n, i) => {
    const edges = [...n.successors].map(([action, next]) => `${JSON.stringify(action)}>${index.get(next)}`);
    return `${i}=${describeShape(n, seen)}[${edges.join(",")}]`;
  });
  return `${own}{${parts.join(";")}}`;
}

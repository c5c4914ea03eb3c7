/**
 * Durable runs over a Saver v2 ({@link CheckpointSaver}): {@link SaverJournal}, the journal that
 * records every step and batch item as a record of what changed, under the run's lease, and the
 * functions that open a fresh run or reopen a saved one for the engine.
 */
import {
  ANSWERS,
  BATCH,
  CONSTANTS,
  FLOW,
  ITEM,
  PREP,
  type RunConstants,
  SHARED,
  STANDING,
  type Standing,
  itemEntry,
  placeOf,
} from "./checkpoint.js";
import { checksumOf } from "./checksum.js";
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointNotFoundError, ConfigError, RunExistsError } from "./errors.js";
import { describeGraph } from "./describe.js";
import { reachable, shapeOf } from "./graph.js";
import { type CorruptHandler, type Entries, type EntryTexts, HistoryWriter, loadState } from "./history.js";
import type { CheckpointEvent, Listener, Payloads } from "./events.js";
import type { BatchKind, FlowPosition, ItemEvent, Journal, Outcome } from "./journal.js";
import { ROOT_KEY, isBreakpointKey, isWithin, runKey } from "./keys.js";
import { type BaseNode, COMPOSITE, INNER } from "./node.js";
import { type LeaseOptions, RunOwner } from "./run-owner.js";
import type { RunOptions } from "./run.js";
import type { CheckpointRecord, CheckpointSaver, NewRunEvent, RunInfo, RunStatus } from "./saver.js";
import { type JSONValue, assertJSON } from "./snapshot.js";
import { Store, TRACK } from "./store.js";

/** Retention of a run's history: see {@link DurableOptions.retention}. */
export type Retention = { keepFull: number } | "all";

/** Default retention: the records of the newest 5 full checkpoints and the deltas after them. */
export const DEFAULT_RETENTION: Retention = { keepFull: 5 };

/** What checkpointed runs and resumes share. */
export interface DurableOptions {
  /** Where the run's history goes: a record after every completed node and batch item. */
  checkpoint: CheckpointSaver;
  /** Told about each damaged checkpoint skipped for the one before it. Default: `console.warn`. */
  onCorrupt?: CorruptHandler;
  /** The run's lease: its ttl (default 30 s, renewed every third of it), and how long to wait for a run another owner holds. */
  lease?: LeaseOptions;
  /**
   * How much history to keep. Default `{ keepFull: 5 }`: after each full checkpoint, records older
   * than the newest 5 full ones are pruned (time travel reaches back that far). `"all"` keeps everything.
   */
  retention?: Retention;
  /** A full checkpoint at least every this many records (default 1000); more often when deltas add up to more than the state. */
  fullEvery?: number;
}

/** Options of a checkpointed `flow.run`. */
export interface DurableRunOptions extends RunOptions, DurableOptions {
  /** Names the run, for `flow.resume(runId)`. Must not exist in the saver yet. */
  runId: string;
}

/** Options of `flow.resume`. */
export interface ResumeOptions<S> extends Omit<RunOptions, "params">, DurableOptions {
  /** The answer to the pending `ctx.interrupt(...)`: saved at once, then the interrupted node runs again and gets it. */
  resumeWith?: unknown;
  /** The object or Store to restore the shared state into (a Store keeps its schemas). Default: see `restore`. */
  shared?: S;
  /** Builds the shared state from the saved data, e.g. `(data) => new Store(data, { schema })`. Default: a plain object, or a Store without schemas. */
  restore?: (data: Record<string, JSONValue>) => S;
  /** Time travel: resume from this earlier step (a `seq` of `saver.list(runId)`) instead of the latest. */
  from?: number;
  /** Save the continuation under this new run id, leaving the original run's history as it was. */
  forkAs?: string;
  /** Top-level keys to set in the restored shared state before continuing (`undefined` deletes a key); saved before any node runs. */
  update?: Record<string, unknown>;
}

/** How a checkpointed run ended: finished, or paused for human input. */
export type RunResult<S> =
  | { status: "completed"; action: string; shared: S; runId: string }
  | { status: "interrupted"; payload: unknown; shared: S; runId: string };

/** @internal What a journal starts from. */
interface JournalStart {
  owner: RunOwner;
  constants: RunConstants;
  shared: unknown;
  entries: Entries;
  info: RunInfo;
  seq: number;
  /** The first record must be full: a fork, or a continuation that does not follow the latest record. */
  fresh: boolean;
  options: DurableOptions;
  /** Told after each record is saved. */
  notify?: ((event: CheckpointEvent) => void) | undefined;
}

/** @internal A run opened for the engine, or one that has nothing left to run. */
export type Opened<S> =
  | { done: true; shared: S; runId: string; action: string }
  | { done: false; journal: Journal; shared: S; params: JSONValue; runId: string };

/** @internal The journal of a checkpointed run on a Saver v2. */
export class SaverJournal implements Journal {
  readonly durable = true;
  readonly runId: string;
  readonly #owner: RunOwner;
  readonly #shared: unknown;
  readonly #writer: HistoryWriter;
  readonly #retention: Retention;
  readonly #notify: ((event: CheckpointEvent) => void) | undefined;
  /** The state as JSON texts, and what changed since the last record. */
  readonly #texts: EntryTexts = new Map();
  readonly #changed = new Set<string>();
  readonly #deleted = new Set<string>();
  /** Live, parsed: flow positions, batch kinds, finished items, answers. */
  readonly #flows = new Map<string, FlowPosition>();
  readonly #batches = new Map<string, BatchKind>();
  readonly #items = new Map<string, Map<string, JSONValue>>();
  readonly #answers = new Map<string, JSONValue[]>();
  /** Saved places not yet picked up again by the part of the graph they describe. */
  readonly #unclaimed = new Set<string>();
  /** Batches and flows whose prep is running: the shared entries were brought up to date just before it. */
  readonly #prepping = new Set<string>();
  /** Plain shared objects: the last primitive value of each key, so unchanged ones cost nothing. */
  readonly #primitives = new Map<string, unknown>();
  #touched: Set<string> | undefined;
  #info: RunInfo;
  #seq: number;
  #sharedDue = false;
  #events: NewRunEvent[] = [];
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #settled = false;

  constructor(start: JournalStart) {
    this.#owner = start.owner;
    this.runId = start.owner.runId;
    this.#shared = start.shared;
    this.#info = start.info;
    this.#seq = start.seq;
    this.#writer = new HistoryWriter({ fullEvery: start.options.fullEvery });
    this.#retention = start.options.retention ?? DEFAULT_RETENTION;
    this.#notify = start.notify;
    if (this.#retention !== "all" && !(this.#retention.keepFull >= 1)) throw new ConfigError("retention.keepFull must be at least 1.");
    for (const [name, value] of start.entries) {
      this.#texts.set(name, JSON.stringify(value));
      if (name.startsWith(FLOW)) this.#flows.set(name.slice(2), value as unknown as FlowPosition);
      else if (name.startsWith(BATCH)) this.#batches.set(name.slice(2), value as BatchKind);
      else if (name.startsWith(ANSWERS)) this.#answers.set(name.slice(2), value as JSONValue[]);
      else if (name.startsWith(ITEM)) {
        const [key, id] = JSON.parse(name.slice(ITEM.length)) as [string, string];
        this.#itemsOf(key).set(id, value);
      }
    }
    for (const key of [...this.#flows.keys(), ...this.#batches.keys()]) this.#unclaimed.add(key);
    // A flow's prep writes can be recorded (by a sibling's record) before the flow's first step is.
    for (const name of start.entries.keys()) if (name.startsWith(PREP)) this.#unclaimed.add(name.slice(2));
    if (start.shared instanceof Store) this.#touched = (start.shared as Store<Record<string, unknown>>)[TRACK]();
    this.#set(CONSTANTS, start.constants as unknown as JSONValue);
    this.#diffShared(true);
    if (start.fresh) this.#writer.restart();
    // Nothing above is a change to record: the first record (full, or a delta on the record it continues) starts from here.
    if (!start.fresh) {
      this.#changed.clear();
      this.#deleted.clear();
    }
  }

  prepStarts(key: string): void {
    this.#diffShared();
    this.#prepping.add(key);
  }

  openFlow(key: string): FlowPosition | undefined {
    const claimed = this.#unclaimed.delete(key);
    // A flow's own prep just ran (see prepStarts): its writes are noted, or undone if a record already holds them.
    if (this.#prepping.has(key)) {
      if (claimed && this.#texts.has(PREP + key)) this.#undoPrep(key);
      else this.#notePrep(key);
    }
    return claimed ? this.#flows.get(key) : undefined;
  }

  recordStep(flow: string, node: string, position: FlowPosition, path: string): Promise<void> {
    this.#finish(node);
    this.#flows.set(flow, position);
    this.#set(FLOW + flow, position as unknown as JSONValue);
    this.#sharedDue = true;
    return this.#commit(path, "running");
  }

  openBatch(key: string, kind: BatchKind): ReadonlyMap<string, unknown> {
    const claimed = this.#unclaimed.delete(key);
    const saved = claimed ? this.#batches.get(key) : undefined;
    if (saved !== undefined && saved !== kind) throw new CheckpointMismatchError(`Checkpoint place "${key}" is a ${saved}, not a ${kind}.`);
    if (claimed) this.#undoPrep(key);
    else {
      this.#dropItems(key);
      this.#notePrep(key);
    }
    this.#batches.set(key, kind);
    this.#set(BATCH + key, kind);
    return new Map(this.#items.get(key) ?? []);
  }

  recordItem(key: string, kind: BatchKind, id: string, result: unknown, path: string): Promise<void> {
    if (this.#settled || !this.#batches.has(key)) return Promise.resolve();
    const value = assertJSON(result, `the result of item ${id} of "${path}"`);
    this.#itemsOf(key).set(id, value);
    this.#set(itemEntry(key, id), value);
    if (kind === "batchFlow") {
      this.#finish(runKey(key, id));
      this.#sharedDue = true; // a batch flow's run, or a Parallel branch, writes the shared store
    }
    return this.#commit(path, "running");
  }

  itemEvent(event: ItemEvent): void {
    if (this.#settled) return;
    const { type, path, index, id } = event;
    if (type === "itemStart") this.#event({ type, path, data: { item: index, key: id } });
    else {
      const data = { item: index, key: id, durationMs: event.durationMs, ...(event.outcome && { outcome: event.outcome }) };
      this.#event({ type, path, data });
    }
  }

  answer(key: string, call: number): { value: unknown } | undefined {
    const answers = this.#answers.get(key);
    return answers && call < answers.length ? { value: answers[call] } : undefined;
  }

  /** Saves an answer to the pending interrupt at `key`. */
  addAnswer(key: string, value: JSONValue): void {
    this.setAnswers(key, [...(this.#answers.get(key) ?? []), value]);
  }

  setAnswers(key: string, answers: JSONValue[]): void {
    this.#answers.set(key, answers);
    this.#set(ANSWERS + key, answers);
  }

  /** Writes a record now (e.g. an answer or an update given to resume), before any node runs. */
  checkpointNow(node: string): Promise<void> {
    this.#sharedDue = true;
    return this.#commit(node, "running");
  }

  settle(outcome: Outcome): Promise<void> | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    let final: Promise<void>;
    if (outcome.status === "completed") {
      this.#sharedDue = true;
      final = this.#commit(this.#info.flow, "completed", undefined, true);
    } else if (outcome.status === "interrupted") {
      const interrupt = { key: outcome.key, path: outcome.path, payload: assertJSON(outcome.payload, "interrupt payload") };
      this.#event({ type: "interrupt", path: outcome.path, data: interrupt.payload });
      final = this.#commit(outcome.path, "interrupted", interrupt, true);
    } else {
      // Failed and canceled runs keep their last good record to resume from; the registry says why they stopped.
      const cause = outcome.status === "failed" ? outcome.error : outcome.reason;
      const error = {
        name: cause instanceof Error ? cause.name : "Error",
        message: cause instanceof Error ? cause.message : String(cause),
      };
      this.#event({ type: "error", data: { status: outcome.status, ...error } });
      final = this.#tail.then(async () => {
        this.#info = { ...this.#info, status: outcome.status, updatedAt: new Date().toISOString(), error };
        await this.#owner.append([], this.#info);
        await this.#flushEvents();
      });
    }
    const closed = final.finally(() => this.#owner.close());
    this.#tail = closed.catch(() => {});
    return closed;
  }

  #set(name: string, value: JSONValue): void {
    this.#texts.set(name, JSON.stringify(value));
    this.#changed.add(name);
    this.#deleted.delete(name);
  }

  #delete(name: string): void {
    if (!this.#texts.delete(name)) return;
    this.#changed.delete(name);
    this.#deleted.add(name);
  }

  /** Forgets a finished part of the graph: its flows, batches, items and answers. A later visit starts afresh. */
  #finish(key: string): void {
    for (const name of [...this.#texts.keys()]) {
      if (name === CONSTANTS || name === STANDING || name.startsWith(SHARED)) continue;
      if (isWithin(placeOf(name), key)) this.#delete(name);
    }
    for (const map of [this.#flows, this.#batches, this.#answers, this.#items] as Map<string, unknown>[]) {
      for (const k of map.keys()) if (isWithin(k, key)) map.delete(k);
    }
    for (const k of this.#unclaimed) if (isWithin(k, key)) this.#unclaimed.delete(k);
  }

  /**
   * A batch or flow starts afresh, its prep just run: the shared keys prep wrote (those that changed
   * since {@link prepStarts} brought the entries up to date) join the next record, with their names
   * under `p/<key>`, so that a resume mid-way can undo them when prep runs again. A prep the engine
   * does not track (the default one, which writes nothing) is not told, and writes nothing here.
   */
  #notePrep(key: string): void {
    if (!this.#prepping.delete(key)) return;
    const wrote: string[] = [];
    this.#diffShared(false, wrote);
    if (wrote.length > 0) this.#set(PREP + key, wrote);
  }

  /**
   * A resumed batch starts again mid-way, its prep just run again: the store already holds the writes
   * of its first prep (the records since hold them), so the keys that prep wrote are set back to the
   * value the records hold, and prep's second writes are not applied on top.
   */
  #undoPrep(key: string): void {
    this.#prepping.delete(key);
    const text = this.#texts.get(PREP + key);
    if (text === undefined) return;
    const shared = this.#shared;
    for (const name of JSON.parse(text) as string[]) {
      const saved = this.#texts.get(SHARED + name);
      if (shared instanceof Store) {
        if (saved !== undefined) (shared as Store<Record<string, unknown>>).set(name, JSON.parse(saved));
      } else if (saved === undefined) delete (shared as Record<string, unknown>)[name];
      else (shared as Record<string, unknown>)[name] = JSON.parse(saved);
    }
  }

  #itemsOf(key: string): Map<string, JSONValue> {
    let items = this.#items.get(key);
    if (!items) {
      items = new Map();
      this.#items.set(key, items);
    }
    return items;
  }

  #dropItems(key: string): void {
    const items = this.#items.get(key);
    if (!items) return;
    for (const id of items.keys()) this.#delete(itemEntry(key, id));
    this.#items.delete(key);
  }

  /**
   * Brings the shared entries up to date. A Store says which keys were written or read since (a
   * value read may have been changed in place); a plain object's keys are compared, primitives by
   * value, objects by their JSON.
   */
  #diffShared(all = false, wrote?: string[]): void {
    const shared = this.#shared;
    if (shared instanceof Store) {
      const data = (shared as Store<Record<string, unknown>>).toJSON() as Record<string, unknown>;
      const keys = all ? new Set([...Object.keys(data), ...this.#sharedNames()]) : (this.#touched ?? new Set<string>());
      for (const key of keys) this.#diffKey(key, data[key], wrote);
      this.#touched?.clear();
      return;
    }
    const data = shared as Record<string, unknown>;
    const seen = new Set<string>();
    for (const key of Object.keys(data)) {
      seen.add(key);
      this.#diffKey(key, data[key], wrote);
    }
    for (const name of this.#sharedNames()) if (!seen.has(name)) this.#diffKey(name, undefined, wrote);
  }

  /** Brings the entry of shared key `key` up to date; adds `key` to `wrote` if it changed. */
  #diffKey(key: string, value: unknown, wrote?: string[]): void {
    const name = SHARED + key;
    if (value === undefined) {
      this.#primitives.delete(key);
      if (this.#texts.has(name)) wrote?.push(key);
      this.#delete(name);
      return;
    }
    const primitive = value === null || typeof value !== "object";
    if (primitive && this.#primitives.has(key) && this.#primitives.get(key) === value) return;
    const text = JSON.stringify(assertJSON(value, `shared.${key}`));
    if (primitive) this.#primitives.set(key, value);
    else this.#primitives.delete(key);
    if (this.#texts.get(name) === text) return;
    this.#texts.set(name, text);
    this.#changed.add(name);
    this.#deleted.delete(name);
    wrote?.push(key);
  }

  *#sharedNames(): Iterable<string> {
    for (const name of this.#texts.keys()) if (name.startsWith(SHARED)) yield name.slice(2);
  }

  /**
   * Records the run as it stands. Calls made while a record is queued share it, and the state is
   * read when the record is made, so concurrent batch items cost one record, not one each. Once the
   * run has settled, only the settling record is made: late items are dropped (they run again on resume).
   */
  #commit(node: string, status: RunStatus, interrupt?: Standing["interrupt"], final = false): Promise<void> {
    // Asked after the run settled: dropped. Asked before, it is saved, ahead of the settling record.
    if (this.#settled && !final) return Promise.resolve();
    if (this.#queued && !final) return this.#queued;
    const save = this.#tail.then(async () => {
      if (!final) this.#queued = undefined;
      if (this.#sharedDue) this.#diffShared();
      this.#sharedDue = false;
      const standing: Standing = interrupt ? { status, node, interrupt } : { status, node };
      this.#set(STANDING, standing as unknown as JSONValue);
      const { kind, body } = this.#writer.encode(this.#texts, this.#changed, this.#deleted);
      this.#changed.clear();
      this.#deleted.clear();
      const at = new Date().toISOString();
      const record: CheckpointRecord = {
        runId: this.runId,
        seq: ++this.#seq,
        at,
        status,
        node,
        kind,
        checksum: await checksumOf(body),
        body,
      };
      const { error: _error, ...info } = this.#info;
      this.#info = { ...info, status, updatedAt: at, steps: record.seq, lastNode: node };
      await this.#owner.append([record], this.#info);
      if (kind === "full" && this.#retention !== "all") await this.#owner.saver.prune(this.runId, this.#retention);
      this.#event({ type: "checkpoint", path: node, data: { seq: record.seq, kind, bytes: body.length, status } });
      await this.#flushEvents();
      this.#notify?.({ runId: this.runId, seq: record.seq, node, status });
    });
    if (!final) this.#queued = save;
    this.#tail = save.catch(() => {});
    return save;
  }

  #event(event: Omit<NewRunEvent, "at">): void {
    this.#events.push({ at: new Date().toISOString(), ...event });
  }

  /** Events are written with the records, never more than one append behind them. */
  async #flushEvents(): Promise<void> {
    if (this.#events.length === 0) return;
    const events = this.#events;
    this.#events = [];
    await this.#owner.saver.appendEvents(this.runId, events);
  }

  /** @internal Observes node starts, ends and errors, and what nodes log (`ctx.emit(data, { log })`), for the event log. */
  readonly listen: Listener = (name, payload) => {
    if (this.#settled) return;
    if (name === "custom") {
      const { log, path, item, data } = payload as Payloads["custom"];
      if (log === undefined) return;
      const json = assertJSON(data, `the data of a "${log}" event of "${path}"`);
      this.#event({ type: log, path, data: item === undefined ? json : { item, ...(isRecord(json) ? json : { value: json }) } });
      return;
    }
    if (name === "nodeStart" || name === "nodeEnd" || name === "nodeError") {
      const p = payload as Payloads["nodeEnd"] & Partial<Payloads["nodeError"]>;
      if (name === "nodeStart") this.#event({ type: "nodeStart", path: p.path });
      else if (name === "nodeEnd") this.#event({ type: "nodeEnd", path: p.path, data: { action: p.action, durationMs: p.durationMs } });
      else {
        const e = p.error;
        const data = {
          name: e instanceof Error ? e.name : "Error",
          message: e instanceof Error ? e.message : String(e),
          attempt: p.attempt ?? 0,
          willRetry: p.willRetry === true,
          ...(p.item !== undefined && { item: p.item }),
        };
        this.#event({ type: "nodeError", path: p.path, data });
      }
    }
  };
}

/** @internal Opens a fresh checkpointed run of `flow`: takes its lease (refusing a run that exists) and registers it. */
export async function openRun<S>(
  flow: BaseNode<S>,
  shared: S,
  options: DurableRunOptions,
  notify?: (event: CheckpointEvent) => void,
): Promise<Opened<S>> {
  const { checkpoint: saver, runId } = options;
  if (typeof runId !== "string" || runId === "")
    throw new ConfigError("A checkpointed run needs a runId: flow.run(shared, { checkpoint, runId }).");
  checkSaver(saver);
  const params = assertJSON(options.params ?? {}, "params");
  const owner = await takeNew(saver, runId, options.lease);
  try {
    const at = new Date().toISOString();
    const info: RunInfo = {
      runId,
      status: "running",
      flow: flow.name,
      shape: shapeOf(flow),
      graph: JSON.stringify(describeGraph(flow)),
      createdAt: at,
      updatedAt: at,
      steps: 0,
    };
    // The registry row is written before the first node runs: a saver that cannot write fails here, before any side effect.
    await owner.append([], info);
    const constants: RunConstants = { shape: info.shape, top: flow.name, sharedKind: shared instanceof Store ? "store" : "object", params };
    const journal = new SaverJournal({ owner, constants, shared, entries: new Map(), info, seq: 0, fresh: true, options, notify });
    return { done: false, journal, shared, params, runId };
  } catch (error) {
    await owner.close();
    throw error;
  }
}

/**
 * @internal Reopens a saved run: takes the lease of the run it continues, loads the state to resume
 * (verified, validated against the graph), restores the shared state, and saves any answer or update
 * before anything runs. `done` when the run has completed, and there is nothing left to run.
 */
export async function reopenRun<S>(
  flow: BaseNode<S>,
  runId: string,
  options: ResumeOptions<S>,
  notify?: (event: CheckpointEvent) => void,
): Promise<Opened<S>> {
  const saver = options.checkpoint;
  checkSaver(saver);
  const target = options.forkAs ?? runId;
  const owner = await RunOwner.take(saver, target, { ...options.lease, create: options.forkAs !== undefined });
  try {
    const loaded = await loadState(saver, runId, {
      ...(options.from === undefined ? {} : { seq: options.from }),
      onCorrupt: options.onCorrupt,
    });
    if (!loaded) {
      const what = options.from === undefined ? "no checkpoints" : `no checkpoint at step ${options.from}`;
      throw new CheckpointNotFoundError(
        `Run "${runId}" has ${what} in ${saver.name}: start it with flow.run(shared, { checkpoint, runId }).`,
      );
    }
    const { entries, last } = loaded;
    const constants = entries.get(CONSTANTS) as unknown as RunConstants | undefined;
    const standing = entries.get(STANDING) as unknown as Standing | undefined;
    const where = `${runId}#${last.seq} in ${saver.name}`;
    if (!constants || !standing) throw new CheckpointCorruptError(`Checkpoint ${where} lacks the run's metadata.`);
    const shape = shapeOf(flow);
    if (constants.shape !== shape) {
      throw new CheckpointMismatchError(
        `Run "${runId}" was checkpointed by a flow of another shape (its nodes or edges changed since). Resume it with the flow that started it, or start a new run.`,
      );
    }
    validatePlaces(flow, entries, where);
    const data: Record<string, JSONValue> = {};
    for (const [name, value] of entries) if (name.startsWith(SHARED)) data[name.slice(2)] = value;
    const shared = restoreShared(data, constants.sharedKind, options);
    const paused = standing.status === "interrupted" ? standing.interrupt : undefined;
    const breakpoint = paused !== undefined && isBreakpointKey(paused.key);
    if (options.resumeWith !== undefined && !breakpoint && (standing.status !== "interrupted" || !standing.interrupt)) {
      throw new ConfigError(
        `Run "${runId}" is not waiting for input (its last step is "${standing.status}"), so resumeWith has nowhere to go.`,
      );
    }
    const rootAction = (entries.get(FLOW + ROOT_KEY) as unknown as FlowPosition | undefined)?.action ?? "";
    if (standing.status === "completed" && options.from === undefined && options.forkAs === undefined && options.update === undefined) {
      await owner.close();
      return { done: true, shared, runId, action: rootAction };
    }
    if (options.update) applyUpdate(shared, options.update);
    const latest = options.forkAs === undefined ? ((await saver.list(runId)).at(-1)?.seq ?? last.seq) : 0;
    const previous = options.forkAs === undefined ? await saver.run(runId) : undefined;
    const at = new Date().toISOString();
    const info: RunInfo = {
      runId: target,
      status: "running",
      flow: flow.name,
      shape,
      // The resuming flow has the run's shape, so it describes the same graph (and fills it in for runs saved without one).
      graph: JSON.stringify(describeGraph(flow)),
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      steps: latest,
    };
    const forked = options.forkAs !== undefined || options.from !== undefined;
    if (forked) Object.assign(info, { parentRunId: runId, parentSeq: last.seq });
    else if (previous?.parentRunId !== undefined) Object.assign(info, { parentRunId: previous.parentRunId, parentSeq: previous.parentSeq });
    entries.delete(STANDING);
    const journal = new SaverJournal({
      owner,
      constants,
      shared,
      entries,
      info,
      seq: latest,
      fresh: last.seq !== latest || forked,
      options,
      notify,
    });
    // Resuming from a breakpoint passes it: its one "answer" lets the node run.
    if (breakpoint) journal.setAnswers(paused.key, [assertJSON(options.resumeWith ?? null, "resumeWith")]);
    const answering = options.resumeWith !== undefined && paused !== undefined && !breakpoint;
    if (options.resumeWith !== undefined && paused && !breakpoint)
      journal.addAnswer(paused.key, assertJSON(options.resumeWith, "resumeWith"));
    // An answer or an update is saved before the node runs again: a crash now does not ask the human again.
    if (answering || options.update) await journal.checkpointNow(paused?.path ?? standing.node);
    else if (forked) await owner.append([], info); // the fork is in the registry, with its parent, before it runs
    return { done: false, journal, shared, params: constants.params, runId: target };
  } catch (error) {
    await owner.close();
    throw error;
  }
}

/**
 * Takes the lease of a run that starts now. A run with a registry row but no record (its process
 * was killed, or it failed, before its first step was saved) has nothing to resume from, so it
 * starts over under its id, as a run without a registry would; a live owner still locks it out.
 */
async function takeNew(saver: CheckpointSaver, runId: string, lease: LeaseOptions | undefined): Promise<RunOwner> {
  try {
    return await RunOwner.take(saver, runId, { ...lease, create: true });
  } catch (error) {
    if (!(error instanceof RunExistsError)) throw error;
    const owner = await RunOwner.take(saver, runId, { ...lease });
    // Checked under the lease: nobody can save a first record in between.
    if ((await saver.list(runId)).length === 0) return owner;
    await owner.close();
    throw error;
  }
}

function checkSaver(saver: unknown): asserts saver is CheckpointSaver {
  const s = saver as Partial<CheckpointSaver> | undefined;
  if (typeof s?.acquire !== "function" || typeof s.append !== "function" || typeof s.load !== "function") {
    throw new ConfigError(
      "checkpoint must be a Saver v2 (acquire, append, load, …): MemorySaver from flowlet, FileSaver from @flowlet/file-saver, SqliteSaver from @flowlet/sqlite.",
    );
  }
}

function restoreShared<S>(data: Record<string, JSONValue>, kind: RunConstants["sharedKind"], options: ResumeOptions<S>): S {
  const into = options.shared;
  if (into instanceof Store) return into.load(data) as S;
  if (into !== undefined) {
    const target = into as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    return Object.assign(target, data) as S;
  }
  if (options.restore) return options.restore(data);
  return (kind === "store" ? Store.restore(data) : data) as S;
}

function applyUpdate(shared: unknown, update: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(update)) {
    if (shared instanceof Store) {
      if (value === undefined) throw new ConfigError(`update cannot delete "${key}" from a Store: set it to null instead.`);
      (shared as Store<Record<string, unknown>>).set(key, value);
    } else if (value === undefined) delete (shared as Record<string, unknown>)[key];
    else (shared as Record<string, unknown>)[key] = value;
  }
}

/**
 * Checks every saved place against the graph: a flow position must point at a node of that flow,
 * a batch must be a batch of that kind. An edited or foreign checkpoint is refused, not trusted.
 */
function validatePlaces<S>(flow: BaseNode<S>, entries: Entries, where: string): void {
  for (const [name, value] of entries) {
    if (!(name.startsWith(FLOW) || name.startsWith(BATCH))) continue;
    const key = name.slice(2);
    const node = resolve(flow, key);
    const bad = (why: string) =>
      new CheckpointCorruptError(
        `Checkpoint ${where} does not fit the flow: "${key}" ${why}. Resume from another step, or start a new run.`,
      );
    if (!node) throw bad("names no node of this flow");
    if (name.startsWith(FLOW)) {
      const p = value as unknown as Partial<FlowPosition> | null;
      const size = reachable(node[INNER]()).length;
      if (!node[COMPOSITE] || size === 0) throw bad("is not a flow");
      const nextOk = p?.next === null || (Number.isInteger(p?.next) && (p?.next as number) >= 0 && (p?.next as number) < size);
      if (!nextOk || !Number.isInteger(p?.steps) || (p?.steps as number) < 0 || typeof p?.action !== "string") {
        throw bad(`holds an impossible position (${JSON.stringify(value)}) for a flow of ${size} nodes`);
      }
    } else {
      // A batch node has item identities; a batch flow (or Parallel's branches) is composite.
      const isBatch = typeof (node as unknown as { itemKey?: unknown }).itemKey === "function";
      const fits = value === "batchFlow" ? node[COMPOSITE] : value === "batch" && isBatch && !node[COMPOSITE];
      if (!fits) throw bad(`is saved as a ${String(value)}, but its node is not one`);
    }
  }
}

/** The node a key names (see keys.ts), or undefined. A "[id]" run of a batch flow names the batch flow. */
function resolve<S>(top: BaseNode<S>, key: string): BaseNode<S> | undefined {
  if (key === ROOT_KEY) return top;
  let node: BaseNode<S> | undefined = top;
  for (const segment of key.split("/")) {
    const m = /^(\d+)(?:\[([^\]]*)\]|#.*)?$/.exec(segment);
    if (!m || !node) return undefined;
    node = reachable(node[INNER]())[Number(m[1])];
    // Run `[i]` of Parallel's branches is branch i; a batch flow's runs walk the batch flow's own graph.
    const branches: readonly BaseNode<S>[] | undefined = (node as unknown as { branches?: readonly BaseNode<S>[] } | undefined)?.branches;
    if (m[2] !== undefined && branches) node = branches[Number(m[2])];
  }
  return node;
}

function isRecord(value: JSONValue): value is { [key: string]: JSONValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

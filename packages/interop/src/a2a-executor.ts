import { type Message, type Task, TaskState } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext, STATE_HEADERS_KEY } from "@a2a-js/sdk/server";
import { type CheckpointSaver, type Flow, type Hooks, Interrupt, type RunResult } from "flowlet";
import { cancelParkedRun } from "./a2a-cancel-run.js";
import { agentMessage, dataOf, textOf, textPart, toParts } from "./a2a-parts.js";
import { incomingContext, withContext } from "./a2a-trace.js";
import { DeltaBuffer, type DeltaOptions } from "./deltas.js";
import { textOfEmit, withTextSink } from "./emit-text.js";
import { TaskCanceled } from "./errors.js";

/** What `toShared` and `toResume` receive: the user's message, pre-digested. */
export interface A2AInput {
  /** The text parts of the message, joined. */
  text: string;
  /** The structured (`data`) parts of the message. */
  data: unknown[];
  /** The whole A2A message, for files, metadata and the like. */
  message: Message;
  taskId: string;
  contextId: string;
}

/** How a flow meets A2A messages: see {@link ServeA2AOptions}. */
export interface FlowAgentOptions<S> {
  /** Builds the run's shared store from the user's message. Default: `{ input: text }`. */
  toShared?: (input: A2AInput) => S | Promise<S>;
  /**
   * Reads the result out of the finished run's shared store. A string becomes a text artifact,
   * any other JSON value a data artifact, `undefined` no artifact. Default: `shared.output`.
   */
  fromShared?: (shared: S) => unknown;
  /** The value `ctx.interrupt(...)` returns when a user answers an input-required task. Default: the answer's text. */
  toResume?: (input: A2AInput) => unknown;
  /** Params for every run (JSON, when checkpointing). A resumed run keeps the params it started with. */
  params?: Record<string, unknown>;
  /**
   * A checkpoint saver (e.g. `new MemorySaver()`). With one, a run that calls `ctx.interrupt(payload)`
   * parks as A2A `input-required`, and the user's next message on that task resumes it.
   */
  checkpoint?: CheckpointSaver;
  /**
   * How text deltas (`emitText`) are batched into artifact updates: at most one per `intervalMs`
   * (default 50), or sooner once `maxChars` (default 16,384) are pending. Each update costs a
   * task-store write, so one per token would make long answers quadratic.
   */
  deltas?: DeltaOptions;
}

/** A task this executor still answers for: running, or parked in input-required. */
interface LiveTask {
  contextId: string;
  controller: AbortController | undefined;
  canceled: boolean;
  /** Unpublished text, dropped when the task is canceled. */
  deltas?: DeltaBuffer;
}

/** The one artifact a flow's task produces: streamed deltas first, then the final value replaces them. */
const OUTPUT = "output";

/** Runs a flow per A2A task, publishing its progress on the task's event bus. */
export class FlowExecutor<S> implements AgentExecutor {
  private readonly live = new Map<string, LiveTask>();
  /** Tasks a message is being delivered to, from the request's arrival until its run ends. */
  private readonly busy = new Map<string, object>();

  constructor(
    private readonly flow: Flow<S>,
    private readonly options: FlowAgentOptions<S>,
    /** Drops a parked task's event bus once it is cancelled: no execute call will settle it. */
    private readonly release: (taskId: string, bus: ExecutionEventBus) => void,
  ) {}

  /** Whether input-required is on: a checkpoint saver was given. */
  get resumable(): boolean {
    return this.options.checkpoint !== undefined;
  }

  /**
   * Reserves a task for one incoming message, synchronously, before the SDK touches the store: a
   * second message to a task whose run is still going would share its event bus and corrupt its
   * stream. Returns the release to call when the request fails before reaching `execute`, or
   * undefined when the task is taken.
   */
  claim(taskId: string): (() => void) | undefined {
    if (this.busy.has(taskId) || this.live.get(taskId)?.controller) return undefined;
    const claim = {};
    this.busy.set(taskId, claim);
    return () => {
      if (this.busy.get(taskId) === claim) this.busy.delete(taskId);
    };
  }

  /** The task store dropped a task (TTL or cap): a parked run can no longer be answered. */
  forget(taskId: string): void {
    const live = this.live.get(taskId);
    if (live && !live.controller) this.live.delete(taskId);
  }

  async execute(request: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId } = request;
    const running = {};
    this.busy.set(taskId, running);
    // The flow runs in the caller's trace context, when the request carried one (traceparent).
    const caller = incomingContext(request.context?.state.get(STATE_HEADERS_KEY));
    try {
      await withContext(caller, () => this.run(request, bus));
    } finally {
      if (this.busy.get(taskId) === running) this.busy.delete(taskId);
    }
  }

  private async run(request: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = request;
    const message = request.userMessage;
    // A parked task resumes from its checkpoint, also one parked before a restart (durable task store and saver).
    const resuming = this.options.checkpoint !== undefined && request.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED;
    bus.publish(AgentEvent.task(request.task ?? newTask(taskId, contextId, message)));

    const live: LiveTask = { contextId, controller: new AbortController(), canceled: false };
    this.live.set(taskId, live);
    const status = (state: TaskState, reply?: Message) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: { state, message: reply, timestamp: new Date().toISOString() },
          metadata: undefined,
        }),
      );
    const artifact = (value: unknown, append: boolean, lastChunk: boolean) =>
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: { artifactId: OUTPUT, name: OUTPUT, description: "", parts: toParts(value), metadata: undefined, extensions: [] },
          append,
          lastChunk,
          metadata: undefined,
        }),
      );

    let streamed = false;
    const deltas = new DeltaBuffer((text) => {
      if (live.canceled) return;
      artifact(text, streamed, false);
      streamed = true;
    }, this.options.deltas);
    live.deltas = deltas;
    const hooks: Hooks = {
      // A node's `ctx.emit(text)` streams as an `emitText(text)` would.
      custom: (e) => deltas.push(textOfEmit(e.data) ?? ""),
      nodeEnd: (e) => {
        // The flow's own end is the task's end, which the final status reports.
        if (live.canceled || e.path === this.flow.name) return;
        deltas.flush(); // a node's text comes before the status saying it finished
        const note = textPart(`${e.path} → ${e.action}`);
        const flowlet = { node: e.node, path: e.path, step: e.step, action: e.action, durationMs: e.durationMs };
        status(TaskState.TASK_STATE_WORKING, agentMessage(taskId, contextId, [note], { flowlet }));
      },
    };
    const input: A2AInput = { text: textOf(message.parts), data: dataOf(message.parts), message, taskId, contextId };
    const signal = live.controller!.signal;
    let parked = false;
    status(TaskState.TASK_STATE_WORKING);
    try {
      const { checkpoint, params } = this.options;
      let shared: S;
      let outcome: RunResult<S> | string;
      if (resuming && checkpoint) {
        const resumeWith = (this.options.toResume ?? ((i: A2AInput) => i.text))(input);
        outcome = await textInto(deltas, () => this.flow.resume(taskId, { checkpoint, resumeWith, signal, hooks }));
        shared = outcome.shared;
      } else {
        shared = await (this.options.toShared ?? defaultToShared<S>)(input);
        outcome = await textInto(deltas, () =>
          checkpoint
            ? this.flow.run(shared, { checkpoint, runId: taskId, signal, hooks, params })
            : this.flow.run(shared, { signal, hooks, params }),
        );
      }
      if (live.canceled) return;
      deltas.flush();
      if (typeof outcome === "object" && outcome.status === "interrupted") {
        parked = true;
        status(TaskState.TASK_STATE_INPUT_REQUIRED, agentMessage(taskId, contextId, interruptParts(outcome.payload)));
        return;
      }
      const value = (this.options.fromShared ?? defaultFromShared)(shared);
      if (value !== undefined) artifact(value, false, true);
      status(TaskState.TASK_STATE_COMPLETED);
    } catch (error) {
      if (live.canceled) return;
      deltas.flush();
      status(TaskState.TASK_STATE_FAILED, agentMessage(taskId, contextId, [textPart(this.explain(error))]));
    } finally {
      live.controller = undefined;
      if (!parked) this.live.delete(taskId);
    }
  }

  /**
   * Before a cancel: a parked run (here or, kept by a durable store, from before a restart) is
   * marked canceled in the saver, as the core marks a run it aborts. Throwing leaves the task parked.
   */
  async cancelParked(taskId: string): Promise<void> {
    const { checkpoint } = this.options;
    if (checkpoint && !this.live.get(taskId)?.controller)
      await cancelParkedRun(checkpoint, taskId, new TaskCanceled(`Task ${taskId} was canceled.`));
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    // No live entry: a task this process did not start (a durable store kept it across a restart,
    // parked or orphaned while working). Nothing runs, so marking it canceled is all there is to do.
    const live = this.live.get(taskId) ?? { contextId: "", controller: undefined, canceled: false };
    this.live.delete(taskId);
    live.canceled = true;
    live.deltas?.discard();
    const running = live.controller !== undefined;
    live.controller?.abort(new TaskCanceled(`Task ${taskId} was canceled.`));
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: live.contextId,
        status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
    if (!running) this.release(taskId, bus);
  }

  /** Why a run failed, for the user: an interrupt without a saver gets advice rather than the core's wording. */
  private explain(error: unknown): string {
    if (error instanceof Interrupt && !this.resumable) {
      return "The flow asked for input (ctx.interrupt), but this agent cannot pause: start serveA2A with { checkpoint: new MemorySaver() }.";
    }
    return error instanceof Error ? error.message : String(error);
  }

  /** Aborts every running task: the server is closing. */
  abortAll(): void {
    for (const [taskId, live] of this.live) live.controller?.abort(new TaskCanceled(`Task ${taskId} stopped: the server closed.`));
  }
}

function newTask(id: string, contextId: string, message: Message): Task {
  return {
    id,
    contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
    artifacts: [],
    history: [message],
    metadata: undefined,
  };
}

/** The default store, `{ input }`: the flow's store type is the caller's promise when no `toShared` is given. */
function defaultToShared<S>(input: A2AInput): S {
  return { input: input.text } as S;
}

function defaultFromShared(shared: unknown): unknown {
  return (shared as { output?: unknown } | undefined)?.output;
}

/** An interrupt's payload for the user: always a text part, plus the data itself when it is structured. */
function interruptParts(payload: unknown) {
  if (typeof payload === "string") return toParts(payload);
  return [textPart(JSON.stringify(payload) ?? ""), ...toParts(payload)];
}

/** Feeds `emitText`'s deltas (through its async-context sink) into the buffer; `ctx.emit`'s come through the `custom` hook. */
function textInto<T>(deltas: DeltaBuffer, run: () => T): T {
  return withTextSink((delta) => deltas.push(delta), run);
}

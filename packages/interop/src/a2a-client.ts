import { type Message, type Part, type StreamResponse, type Task, type TaskStatus, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";
import { Node, type NodeContext, type RetryOptions } from "flowlet";
import { dataOf, stateName, textOf, toParts, userMessage } from "./a2a-parts.js";
import { OutgoingCall } from "./a2a-trace.js";
import { emitText } from "./emit-text.js";
import { A2ARequestError, A2ATaskError, InteropConfigError, InteropTimeoutError } from "./errors.js";

/** What to send: text, or text and/or data, optionally continuing a task (e.g. answering input-required). */
export type A2AOutgoing = string | { text?: string; data?: unknown; taskId?: string; contextId?: string };

/** A remote agent's answer, as a node's `post` sees it. */
export interface A2AResult {
  /** "completed", or "input-required" when the agent asks a question (then `text` is the question). */
  state: string;
  /** The artifacts' text (or the agent's reply message), joined. */
  text: string;
  /** The structured parts of the artifacts (or of the reply message). */
  data: unknown[];
  /** Pass these back in `A2AOutgoing` to continue the task. Empty when the agent replied with a bare message. */
  taskId: string;
  contextId: string;
}

export interface SendToAgentOptions<S> extends RetryOptions {
  /** The remote agent: its card's URL (`…/.well-known/agent-card.json`, or any `….json`) or its base URL. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Reads what to send from the shared store. */
  message: (shared: S) => A2AOutgoing;
  /**
   * Writes the answer into the shared store. Its return value is the node's action; when it returns
   * nothing the action is "default", or "input-required" when the agent asked a question.
   */
  save: (shared: S, result: A2AResult) => string | undefined | void;
  /**
   * Longest wait for the task's outcome, per attempt, in ms. When it runs out, the node sends
   * CancelTask and fails with `InteropTimeoutError` (retried like any exec failure). Default
   * 600,000 (10 minutes); `Infinity` waits for ever.
   */
  timeoutMs?: number;
  /** The binding to prefer when the agent offers several: "JSONRPC" (default) or "HTTP+JSON". */
  binding?: "JSONRPC" | "HTTP+JSON";
}

/** How long a CancelTask sent on abort or timeout may take: the node is stopping, and will not wait long. */
const CANCEL_GRACE_MS = 5_000;

/**
 * A node that sends a message to a remote A2A agent and waits for the task's outcome. It streams
 * when the agent can, forwarding the agent's text deltas through {@link emitText}, so a served
 * flow that calls another agent streams that agent's tokens to its own client. Failed, canceled
 * and rejected tasks throw {@link A2ATaskError} (and are retried like any exec failure).
 */
export class SendToAgent<S> extends Node<S, A2AOutgoing, A2AResult> {
  private client: Promise<Client> | undefined;
  private readonly url: URL;

  constructor(private readonly options: SendToAgentOptions<S>) {
    super({ name: "SendToAgent", ...options });
    if (!URL.canParse(options.url))
      throw new InteropConfigError(`SendToAgent needs an absolute URL of the agent or its card, got "${options.url}".`);
    this.url = new URL(options.url);
  }

  override prep(shared: S): A2AOutgoing {
    return this.options.message(shared);
  }

  override async exec(outgoing: A2AOutgoing, ctx: NodeContext): Promise<A2AResult> {
    // The call's span (when tracing) is active throughout, and its context travels in the headers.
    const call = new OutgoingCall(this.url);
    const auth = this.options.token ? { Authorization: `Bearer ${this.options.token}` } : undefined;
    try {
      const result = await call.within(() => this.send(outgoing, ctx, call.headers(auth)));
      call.end({ taskId: result.taskId, state: result.state });
      return result;
    } catch (error) {
      const known = error instanceof A2ATaskError || error instanceof A2ARequestError ? error : undefined;
      call.end({ taskId: known?.taskId, state: error instanceof A2ATaskError ? error.state : undefined, error });
      throw error;
    }
  }

  private async send(outgoing: A2AOutgoing, ctx: NodeContext, serviceParameters: Record<string, string> | undefined): Promise<A2AResult> {
    const client = await this.connect();
    const { text, data, taskId, contextId } = typeof outgoing === "string" ? { text: outgoing } : outgoing;
    const parts: Part[] = [...toParts(text), ...toParts(data)];
    const request = { tenant: "", message: userMessage(parts, { taskId, contextId }), configuration: undefined, metadata: undefined };
    const timeoutMs = this.options.timeoutMs ?? 600_000;
    const fold = new Fold();
    // Stopping (abort or timeout) sends CancelTask as soon as the task's id is known, then drops the
    // stream; an agent that never says which task it started is dropped after a grace period.
    const stream = new AbortController();
    let stopping: "aborted" | "timeout" | undefined;
    let cancelling: Promise<void> | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => {
      if (cancelling || !stopping) return;
      if (fold.finished()) return stream.abort();
      const remote = fold.taskId;
      if (remote) cancelling = this.cancelRemote(client, remote, serviceParameters).finally(() => stream.abort());
    };
    const stop = (why: "aborted" | "timeout") => {
      if (stopping) return;
      stopping = why;
      grace = setTimeout(() => stream.abort(), CANCEL_GRACE_MS);
      cancel();
    };
    const onAbort = () => stop("aborted");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const clock = Number.isFinite(timeoutMs) ? setTimeout(() => stop("timeout"), timeoutMs) : undefined;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    try {
      for await (const event of client.sendMessageStream(request, { signal: stream.signal, serviceParameters })) {
        fold.add(event);
        cancel();
      }
    } catch (error) {
      if (!stopping) throw this.explain(error, fold.taskId || taskId);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      clearTimeout(clock);
      clearTimeout(grace);
      await cancelling;
    }
    if (stopping === "aborted") throw ctx.signal.reason;
    if (stopping === "timeout") {
      const remote = fold.taskId || taskId;
      throw new InteropTimeoutError(
        timeoutMs,
        `The agent at ${this.url.href} did not finish task ${remote ?? "(none yet)"} within ${timeoutMs} ms${cancelling ? "; it was sent CancelTask" : ""}. Raise SendToAgent's timeoutMs if the task takes longer.`,
      );
    }
    const result = fold.result();
    if (result.state === "completed" || result.state === "input-required") return result;
    const unfinished = ["submitted", "working", "unspecified"].includes(result.state);
    throw new A2ATaskError(
      result.state,
      result.taskId,
      unfinished ? "the agent's event stream ended before the task finished" : result.text,
    );
  }

  /** Best effort: a CancelTask that fails (the agent is gone, the task just finished) changes nothing here. */
  private async cancelRemote(client: Client, id: string, serviceParameters: Record<string, string> | undefined): Promise<void> {
    try {
      await client.cancelTask({ tenant: "", id, metadata: undefined }, { signal: AbortSignal.timeout(CANCEL_GRACE_MS), serviceParameters });
    } catch {
      // Nothing more to do: the node is failing or stopping anyway.
    }
  }

  /** Whatever the SDK or the network threw, as an error that names the agent and says what happened. */
  private explain(error: unknown, taskId: string | undefined): Error {
    if (error instanceof A2ATaskError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const agent = `The agent at ${this.url.href}`;
    const task = taskId ? ` (task ${taskId})` : "";
    if (error instanceof TypeError) {
      // undici's "terminated" / "fetch failed": the connection broke, not the request.
      const reason = (error.cause as Error | undefined)?.message ?? message;
      const next = taskId ? " The task may still be running there: GetTask tells." : "";
      this.client = undefined; // the card may have changed: fetch it again next time
      return new A2ARequestError(this.url.href, taskId, `${agent} dropped the connection mid-request${task}: ${reason}.${next}`, {
        cause: error,
      });
    }
    return new A2ARequestError(this.url.href, taskId, `${agent} refused the request${task}: ${message}`, { cause: error });
  }

  override post(shared: S, _outgoing: A2AOutgoing, result: A2AResult): string | undefined {
    return this.options.save(shared, result) ?? (result.state === "input-required" ? "input-required" : undefined);
  }

  /** One client per node: the card is fetched once, and again only after a failure. */
  private connect(): Promise<Client> {
    if (!this.client) {
      const url = this.url;
      const ofCard = url.pathname.endsWith(".json");
      this.client = factory(this.options.binding)
        .createFromUrl(url.href, ofCard ? "" : undefined)
        .catch((error: unknown) => {
          this.client = undefined;
          const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
          throw new InteropConfigError(
            `Could not load the A2A agent card from ${url.href}: ${reason}. Check the URL, and that the agent is running.`,
            { cause: error },
          );
        });
    }
    return this.client;
  }
}

/** A client factory that speaks both protocol lines (v1.0, and v0.3 through the SDK's compatibility layer) over both bindings. */
function factory(binding: "JSONRPC" | "HTTP+JSON" | undefined): ClientFactory {
  const legacyCompat = { enabled: true };
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      cardResolver: new DefaultAgentCardResolver({ legacyCompat }),
      transports: [new JsonRpcTransportFactory({ legacyCompat }), new RestTransportFactory({ legacyCompat })],
      preferredTransports: binding ? [binding] : undefined,
    }),
  );
}

/** Folds a task's event stream into its final state, forwarding text deltas as they come. */
class Fold {
  private task: Task | undefined;
  private reply: Message | undefined;
  private status: TaskStatus | undefined;
  private readonly artifacts = new Map<string, Part[]>();
  private readonly streamed = new Set<string>();

  /** The task's id, once the agent has sent the task. */
  get taskId(): string | undefined {
    return this.task?.id;
  }

  /** Whether the task reached a state it will not leave by itself. */
  finished(): boolean {
    return ["completed", "failed", "canceled", "rejected", "input-required", "auth-required"].includes(stateName(this.status?.state));
  }

  add(event: StreamResponse): void {
    const payload = event.payload;
    switch (payload?.$case) {
      case "task":
        this.task = payload.value;
        this.status = payload.value.status;
        for (const a of payload.value.artifacts) {
          // A task that arrives complete (an agent that does not stream) still yields its text once.
          if (!this.artifacts.has(a.artifactId)) emitText(textOf(a.parts));
          this.artifacts.set(a.artifactId, a.parts);
        }
        break;
      case "message":
        this.reply = payload.value;
        break;
      case "statusUpdate":
        this.status = payload.value.status;
        break;
      case "artifactUpdate": {
        const artifact = payload.value.artifact;
        if (!artifact) break;
        const id = artifact.artifactId;
        if (payload.value.append) {
          const known = this.artifacts.get(id);
          if (known) known.push(...artifact.parts);
          else this.artifacts.set(id, [...artifact.parts]);
          this.streamed.add(id);
          emitText(textOf(artifact.parts));
        } else {
          // A whole artifact: new text unless it replaces deltas already forwarded.
          if (!this.streamed.has(id) || !payload.value.lastChunk) emitText(textOf(artifact.parts));
          if (!payload.value.lastChunk) this.streamed.add(id);
          this.artifacts.set(id, artifact.parts);
        }
        break;
      }
    }
  }

  result(): A2AResult {
    if (this.reply && !this.task) {
      const { parts, taskId, contextId } = this.reply;
      return { state: "completed", text: textOf(parts), data: dataOf(parts), taskId, contextId };
    }
    const state = stateName(this.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED);
    const parts = [...this.artifacts.values()].flat();
    const note = this.status?.message?.parts;
    const answered = state === "completed" && parts.length > 0;
    return {
      state,
      text: answered ? textOf(parts) : textOf(note),
      data: answered ? dataOf(parts) : dataOf(note),
      taskId: this.task?.id ?? "",
      contextId: this.task?.contextId ?? "",
    };
  }
}

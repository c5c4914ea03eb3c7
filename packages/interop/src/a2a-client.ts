import { type Message, type Part, type StreamResponse, type Task, type TaskStatus, TaskState } from "@a2a-js/sdk";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import { Node, type NodeContext, type RetryOptions } from "flowlet";
import { dataOf, stateName, textOf, toParts, userMessage } from "./a2a-parts.js";
import { emitText } from "./emit-text.js";
import { A2ATaskError, InteropConfigError } from "./errors.js";

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
}

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
    if (!URL.canParse(options.url)) throw new InteropConfigError(`SendToAgent needs an absolute URL of the agent or its card, got "${options.url}".`);
    this.url = new URL(options.url);
  }

  override prep(shared: S): A2AOutgoing {
    return this.options.message(shared);
  }

  override async exec(outgoing: A2AOutgoing, ctx: NodeContext): Promise<A2AResult> {
    const client = await this.connect();
    const { text, data, taskId, contextId } = typeof outgoing === "string" ? { text: outgoing } : outgoing;
    const parts: Part[] = [...toParts(text), ...toParts(data)];
    const request = { tenant: "", message: userMessage(parts, { taskId, contextId }), configuration: undefined, metadata: undefined };
    const headers = this.options.token ? { Authorization: `Bearer ${this.options.token}` } : undefined;
    const fold = new Fold();
    for await (const event of client.sendMessageStream(request, { signal: ctx.signal, serviceParameters: headers })) fold.add(event);
    const result = fold.result();
    if (result.state === "completed" || result.state === "input-required") return result;
    const unfinished = ["submitted", "working", "unspecified"].includes(result.state);
    throw new A2ATaskError(result.state, result.taskId, unfinished ? "the agent's event stream ended before the task finished" : result.text);
  }

  override post(shared: S, _outgoing: A2AOutgoing, result: A2AResult): string | undefined {
    return this.options.save(shared, result) ?? (result.state === "input-required" ? "input-required" : undefined);
  }

  /** One client per node: the card is fetched once, and again only after a failure. */
  private connect(): Promise<Client> {
    if (!this.client) {
      const url = this.url;
      const ofCard = url.pathname.endsWith(".json");
      this.client = new ClientFactory().createFromUrl(url.href, ofCard ? "" : undefined).catch((error: unknown) => {
        this.client = undefined;
        const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new InteropConfigError(`Could not load the A2A agent card from ${url.href}: ${reason}. Check the URL, and that the agent is running.`, { cause: error });
      });
    }
    return this.client;
  }
}

/** Folds a task's event stream into its final state, forwarding text deltas as they come. */
class Fold {
  private task: Task | undefined;
  private reply: Message | undefined;
  private status: TaskStatus | undefined;
  private readonly artifacts = new Map<string, Part[]>();
  private readonly streamed = new Set<string>();

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
          this.artifacts.set(id, [...(this.artifacts.get(id) ?? []), ...artifact.parts]);
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

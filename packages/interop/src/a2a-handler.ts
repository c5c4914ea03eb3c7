import type { CancelTaskRequest, Message, SendMessageRequest, StreamResponse, Task } from "@a2a-js/sdk";
import { UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { DefaultRequestHandler, type ServerCallContext } from "@a2a-js/sdk/server";

/** What the handler needs of the executor: the one-message-at-a-time reservation, and what a cancel does first. */
export interface TaskClaims {
  claim(taskId: string): (() => void) | undefined;
  cancelParked(taskId: string): Promise<void>;
}

/**
 * The SDK's request handler, refusing a message to a task whose run is still going. The SDK would
 * hand it to the same event bus as the running one, whose client then sees a second task event
 * ("Stream ordering violation") while the task stays working forever. A flow takes a new message
 * only when it has finished or asks for input, so the sender is told to wait or subscribe.
 */
export class FlowRequestHandler extends DefaultRequestHandler {
  #claims: TaskClaims | undefined;

  /** Set once the executor exists (the executor needs the handler's bus manager first). */
  useClaims(claims: TaskClaims): void {
    this.#claims = claims;
  }

  override async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const release = this.#claim(params);
    try {
      return await super.sendMessage(params, context);
    } finally {
      release();
    }
  }

  override async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const release = this.#claim(params);
    try {
      yield* super.sendMessageStream(params, context);
    } finally {
      release();
    }
  }

  /** A parked task's run is marked canceled first: the SDK cancels a task with no live bus (kept across a restart) without the executor. */
  override async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    await this.#claims?.cancelParked(params.id);
    return super.cancelTask(params, context);
  }

  #claim(params: SendMessageRequest): () => void {
    const taskId = params.message?.taskId;
    if (!taskId || !this.#claims) return () => {};
    const release = this.#claims.claim(taskId);
    if (!release) {
      throw new UnsupportedOperationError(
        `Task ${taskId} is still working and takes no message until it finishes or asks for input: wait for it (GetTask, or SubscribeToTask to follow it), then send again.`,
      );
    }
    return release;
  }
}

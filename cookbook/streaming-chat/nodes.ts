import type { LLM, Message } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";
import type { ChatStore } from "../chat/nodes.js";
import type { Terminal } from "../shared/terminal.js";

type Reply = { text: string; interrupted: boolean };

/**
 * The chat turn of the chat example, streaming: tokens are printed as they arrive. Ctrl-C during
 * a reply stops that reply (what arrived is kept in the history) and the chat goes on; Ctrl-C at
 * the prompt, EOF or "exit" ends the chat.
 */
export class StreamingChatTurn extends Node<ChatStore, Message[] | undefined, Reply | undefined> {
  constructor(
    private readonly llm: LLM,
    private readonly terminal: Terminal,
  ) {
    super();
  }
  override async prep(shared: ChatStore): Promise<Message[] | undefined> {
    const line = await this.terminal.ask("You: ");
    if (line === null || line.trim() === "exit") return undefined;
    shared.messages.push({ role: "user", content: line });
    return shared.messages;
  }
  override async exec(messages: Message[] | undefined, ctx: NodeContext): Promise<Reply | undefined> {
    if (!messages) return undefined;
    return this.terminal.interruptible(async (interrupt) => {
      let text = "";
      this.terminal.write("Assistant: ");
      try {
        for await (const delta of this.llm.stream(messages, { signal: AbortSignal.any([interrupt, ctx.signal]) })) {
          text += delta;
          this.terminal.write(delta);
        }
      } catch (error) {
        if (!interrupt.aborted) throw error;
        this.terminal.write(" [interrupted]");
        return { text, interrupted: true };
      } finally {
        this.terminal.write("\n");
      }
      return { text, interrupted: false };
    });
  }
  override post(shared: ChatStore, _messages: unknown, reply: Reply | undefined): string {
    if (reply === undefined) return "exit";
    shared.messages.push({
      role: "assistant",
      content: reply.interrupted ? `${reply.text.trimEnd()} [interrupted by the user]` : reply.text,
    });
    return "continue";
  }
}

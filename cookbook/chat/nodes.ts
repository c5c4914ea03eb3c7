import type { LLM, Message } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";
import type { Terminal } from "../shared/terminal.js";

export interface ChatStore {
  messages: Message[];
}

/**
 * One turn: read the user's line, answer it with the whole history, loop ("continue").
 * EOF, Ctrl-C (also during a reply) or "exit" ends the chat ("exit").
 */
export class ChatTurn extends Node<ChatStore, Message[] | undefined, string | undefined> {
  constructor(
    private readonly llm: LLM,
    private readonly terminal: Terminal,
  ) {
    super({ maxRetries: 2, wait: 1000 });
  }
  override async prep(shared: ChatStore): Promise<Message[] | undefined> {
    const line = await this.terminal.ask("You: ");
    if (line === null || line.trim() === "exit") return undefined;
    shared.messages.push({ role: "user", content: line });
    return shared.messages;
  }
  override async exec(messages: Message[] | undefined, ctx: NodeContext): Promise<string | undefined> {
    if (!messages) return undefined;
    // Ctrl-C during a reply ends the chat at once, rather than after the reply.
    return this.terminal.interruptible(async (interrupt) => {
      try {
        return (await this.llm.chat(messages, { signal: AbortSignal.any([interrupt, ctx.signal]) })).text;
      } catch (error) {
        if (interrupt.aborted) return undefined;
        throw error;
      }
    });
  }
  override post(shared: ChatStore, _messages: unknown, reply: string | undefined): string {
    if (reply === undefined) return "exit";
    shared.messages.push({ role: "assistant", content: reply });
    this.terminal.write(`Assistant: ${reply}\n`);
    return "continue";
  }
}

export class Goodbye extends Node<ChatStore> {
  constructor(private readonly terminal: Terminal) {
    super();
  }
  override post(): undefined {
    this.terminal.write("\nGoodbye!\n");
  }
}

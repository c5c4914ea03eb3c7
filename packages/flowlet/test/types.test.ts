/**
 * Type-level checks. `npx tsc -p tsconfig.json` (root) compiles this file: each `@ts-expect-error`
 * fails the type check if the line below it ever compiles. The runtime assertions keep vitest honest.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { BatchNode, Flow, Node, type NodeContext, ParallelBatchFlow, type Params } from "flowlet";
import { captureWarnings } from "./helpers.js";

type Chat = { messages: string[] };
type Billing = { invoices: number[] };
type ChatWithUser = Chat & { user: string };

class Listen extends Node<Chat, string[], number> {
  override prep(shared: Chat) {
    return shared.messages;
  }
  override exec(messages: string[]) {
    return messages.length;
  }
  override post(shared: Chat, _: string[], count: number) {
    shared.messages.push(`seen ${count}`);
    return "heard";
  }
}
class Reply extends Node<Chat> {
  override post(shared: Chat) {
    shared.messages.push("reply");
  }
}
class Charge extends Node<Billing> {}
class Greet extends Node<ChatWithUser> {}

describe("types", () => {
  it("lets nodes of one store wire together, and next/on return the exact node type", async () => {
    const listen = new Listen();
    const reply = listen.on("heard", new Reply());
    expectTypeOf(reply).toEqualTypeOf<Reply>();
    expectTypeOf(listen.next(new Reply())).toEqualTypeOf<Reply>();
    const flow = new Flow<Chat>(listen);
    expectTypeOf<Awaited<ReturnType<typeof flow.run>>>().toEqualTypeOf<string>();
    const shared = { messages: ["hi"] };
    expect(await flow.run(shared)).toBe("default");
    expect(shared.messages).toEqual(["hi", "seen 1", "reply"]);
  });

  it("rejects wiring nodes whose shared stores are incompatible", () => {
    const listen = new Listen();
    // @ts-expect-error Billing is not Chat
    listen.next(new Charge());
    // @ts-expect-error Billing is not Chat
    listen.on("pay", new Charge());
    const rewired = captureWarnings(); // the next line re-wires the default edge, which warns
    // @ts-expect-error a node that needs `user` cannot follow one whose store lacks it
    listen.next(new Greet());
    expect(rewired.messages()).toEqual([`flowlet: overwriting successor for action 'default' of "Listen".`]);
    rewired.spy.mockRestore();
    // @ts-expect-error the flow's store must be the start node's
    new Flow<Billing>(new Listen());
    const flow = new Flow<Chat>();
    // @ts-expect-error the same for start()
    flow.start(new Charge());
    // @ts-expect-error running with the wrong store
    void (() => flow.run({ invoices: [] }));
    // A node that needs less of the store may follow: ChatWithUser is a Chat.
    new Greet().next(new Reply());
    expect(listen.successors.size).toBe(2); // the lines above still ran: types guard, they do not throw
  });

  it("types ctx and the lifecycle's hand-offs", async () => {
    class Typed extends Node<Chat, number, string> {
      override prep(_: Chat, ctx: NodeContext) {
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.params).toEqualTypeOf<Params>();
        return 1;
      }
      override exec(n: number) {
        return `n=${n}`;
      }
      override post(shared: Chat, _n: number, text: string) {
        shared.messages.push(text);
      }
    }
    class WrongExec extends Node<Chat, number, string> {
      // @ts-expect-error exec receives what prep returns (number), not a string
      override exec(text: string) {
        return text;
      }
    }
    class WrongAction extends Node<Chat> {
      // @ts-expect-error an action is a string
      override post() {
        return 42;
      }
    }
    class Items extends BatchNode<Chat, string, number> {
      override exec(item: string) {
        return item.length;
      }
      override post(_: Chat, _p: unknown, results: number[]) {
        expectTypeOf(results).toEqualTypeOf<number[]>();
      }
    }
    void [WrongExec, WrongAction, Items];
    const shared = { messages: [] };
    await new Typed().run(shared);
    expect(shared.messages).toEqual(["n=1"]);
  });

  it("types a batch flow's post as the list of each run's last action", () => {
    class Runs extends ParallelBatchFlow<Chat> {
      override post(_: Chat, _p: unknown, actions: string[]) {
        expectTypeOf(actions).toEqualTypeOf<string[]>();
        return actions.at(-1);
      }
    }
    expect(new Runs(new Reply()).name).toBe("Runs");
  });
});

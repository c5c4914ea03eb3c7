import { setMaxListeners } from "node:events";
import { Annotation, END, type MemorySaver, START, Send, StateGraph } from "@langchain/langgraph";
import type { Call, Visit } from "../measure.js";
import { type Framework, range } from "./types.js";

// LangGraph adds an abort listener per task to one signal; its warning past 10 is noise here.
setMaxListeners(0);

// LangGraph nodes return partial updates; these reducers merge them into the state.
const CounterState = Annotation.Root({
  count: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
  limit: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
});
type CounterValues = typeof CounterState.State;

const BatchState = Annotation.Root({
  items: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
  results: Annotation<number[]>({ reducer: (old, next) => old.concat(next), default: () => [] }),
});

interface Invokable<S> {
  invoke(input: Partial<S>, config: Record<string, unknown>): Promise<S>;
}

/**
 * StateGraph's builder types grow a node-name union at each call, which a graph built in a loop
 * cannot express; the benchmark drives it through this narrower view of the same object.
 */
interface Builder<S> {
  addNode(name: string, fn: (state: S, config?: { writer?: (chunk: unknown) => void }) => unknown): Builder<S>;
  addEdge(from: string, to: string): Builder<S>;
  addConditionalEdges(from: string, route: (state: S) => string | Send[]): Builder<S>;
  compile(options?: { checkpointer?: MemorySaver }): Invokable<S>;
}

interface Streamable<S> {
  stream(input: Partial<S>, config: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
}

function builder<S>(graph: unknown): Builder<S> {
  return graph as Builder<S>;
}

/** A LangGraph chain of `n` nodes; W5 compiles it again with a checkpointer. */
export function langgraphChain(n: number): Builder<CounterValues> {
  const graph = builder<CounterValues>(new StateGraph(CounterState));
  for (let i = 0; i < n; i++) graph.addNode(`n${i}`, (s) => ({ count: s.count + 1 }));
  graph.addEdge(START, "n0");
  for (let i = 1; i < n; i++) graph.addEdge(`n${i - 1}`, `n${i}`);
  graph.addEdge(`n${n - 1}`, END);
  return graph;
}

/** Each LangGraph superstep counts against recursionLimit (default 25): raise it past the run's length. */
export function stepsConfig(steps: number): { recursionLimit: number } {
  return { recursionLimit: steps + 10 };
}

export const langgraph: Framework = {
  name: "LangGraph",
  pkg: "@langchain/langgraph",

  chain(n) {
    const app = langgraphChain(n).compile();
    return async () => (await app.invoke({ count: 0 }, stepsConfig(n))).count;
  },

  loop(transitions: number, visit: Visit) {
    const step = (s: CounterValues) => {
      visit(s.count + 1);
      return { count: s.count + 1 };
    };
    const app = builder<CounterValues>(new StateGraph(CounterState))
      .addNode("ping", step)
      .addNode("pong", step)
      .addEdge(START, "ping")
      .addEdge("ping", "pong")
      .addConditionalEdges("pong", (s) => (s.count >= s.limit ? END : "ping"))
      .compile();
    return async () => (await app.invoke({ count: 0, limit: transitions }, stepsConfig(transitions))).count;
  },

  stream(n) {
    // The same chain, each node writing one custom event; "updates" adds one event per node, as
    // flowlet's nodeStart/nodeEnd do.
    const graph = builder<CounterValues>(new StateGraph(CounterState));
    for (let i = 0; i < n; i++) {
      graph.addNode(`n${i}`, (s: CounterValues, config?: { writer?: (chunk: unknown) => void }) => {
        config?.writer?.(0);
        return { count: s.count + 1 };
      });
    }
    graph.addEdge(START, "n0");
    for (let i = 1; i < n; i++) graph.addEdge(`n${i - 1}`, `n${i}`);
    graph.addEdge(`n${n - 1}`, END);
    const app = graph.compile() as unknown as Streamable<CounterValues>;
    return async () => {
      let events = 0;
      for await (const _ of await app.stream({ count: 0 }, { ...stepsConfig(n), streamMode: ["updates", "custom"] })) events++;
      return events;
    };
  },

  parallel(items: number, call: Call, concurrency: number | undefined) {
    // Fan-out is a Send per item; the results reducer concatenates the writes in task order.
    const app = builder<typeof BatchState.State>(new StateGraph(BatchState))
      .addNode("call", async (s) => ({ results: [await call((s as unknown as { index: number }).index)] }))
      .addConditionalEdges(START, (s) => range(s.items).map((index) => new Send("call", { index })))
      .addEdge("call", END)
      .compile();
    return async () => (await app.invoke({ items }, concurrency === undefined ? {} : { maxConcurrency: concurrency })).results;
  },
};

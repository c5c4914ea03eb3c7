// Run: npx tsx --conditions=@flowlet/source packages/otel/examples/traced-a2a.ts
// An A2A agent and its caller, traced: the console shows one trace, the agent's run under the caller's client span.
import { SendToAgent, serveA2A } from "@flowlet/interop";
import { traceFlow, traceRun } from "@flowlet/otel";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Flow, Node } from "flowlet";

// What NodeSDK (@opentelemetry/sdk-node) sets up for you: async context, W3C propagation, a provider.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] }));

type Said = { input: string; output?: string };
class Shout extends Node<Said, string, string> {
  override prep(s: Said) {
    return s.input;
  }
  override exec(text: string) {
    return text.toUpperCase();
  }
  override post(s: Said, _text: string, loud: string) {
    s.output = loud;
  }
}

// The agent (process B): traceFlow gives each run it serves a span, the child of the caller's.
const agent = await serveA2A(traceFlow(new Flow(new Shout(), { name: "Shouter" })), { card: { name: "Shouter", description: "Shouts" } });

// The caller (process A): SendToAgent's client span travels in the `traceparent` header.
type Asked = { text: string; loud?: string };
const ask = new SendToAgent<Asked>({
  url: agent.url,
  message: (s) => s.text,
  save: (s, r) => {
    s.loud = r.text;
  },
});
await traceRun(new Flow(ask, { name: "Caller" }), { text: "hello" });
await agent.close();

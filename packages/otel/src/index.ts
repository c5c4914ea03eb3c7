export { type TracingOptions, SCOPE } from "./configured.js";
export { tracingHooks } from "./hooks.js";
export { traceResume, traceRun } from "./run.js";
export { traceFlow } from "./flow.js";
export { traceLLM } from "./llm.js";

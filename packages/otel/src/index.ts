export { type TracingOptions, SCOPE } from "./configured.js";
export { tracingHooks } from "./hooks.js";
export { traceRun } from "./run.js";
export { traceLLM } from "./llm.js";

export {
  startFakeLLM,
  type FakeLLM,
  type FakeLLMOptions,
  type FakeReply,
  type FakeRequest,
  type FakeHandler,
  type FakeStreamScript,
} from "./fake-llm.js";
export type { FakeTool } from "./wire.js";

export {
  startFakeLLM,
  type FakeLLM,
  type FakeLLMOptions,
  type FakeReply,
  type FakeRequest,
  type FakeHandler,
  type FakeStreamScript,
  type FakeEmbeddingsReply,
  type FakeEmbeddingsHandler,
  fakeEmbedding,
  FAKE_EMBEDDING_DIMENSIONS,
} from "./fake-llm.js";
export type { FakeTool } from "./wire.js";

import { type } from "arktype";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { REASK_EXCERPT_CHARS, StructuredOutputError, createLLM, extractBlock, parseReply } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const Abstraction = z.object({ name: z.string(), files: z.array(z.number().int()) });

describe("extractBlock", () => {
  it.each([
    ["```yaml\nname: a\n```", "name: a"],
    ["```yml\nname: a\n```", "name: a"],
    ["Sure! Here it is:\n\n```yaml\nname: a\n```\n\nHope that helps.", "name: a"],
    ["```\nname: a\n```", "name: a"],
    ["name: a", "name: a"],
    ["```python\nprint(1)\n```\n```yaml\nname: a\n```", "name: a"],
    ["```yaml\nname: a\n", "name: a"],
    ["Result: ```yaml\nname: a\n```", "name: a"],
    ["~~~yaml\nname: a\n~~~", "name: a"],
    ["```yaml\ncode: |\n  ```js\n  x()\n  ```\n```", "code: |\n  ```js\n  x()\n  ```"],
  ])("finds the YAML in %j", (reply, expected) => {
    expect(extractBlock(reply, "yaml")).toBe(expected);
  });

  it("prefers the block fenced as the wanted format", () => {
    expect(extractBlock('```yaml\na: 1\n```\n```json\n{"a": 2}\n```', "json")).toBe('{"a": 2}');
  });

  it("parses JSON surrounded by prose, and explains what does not parse", () => {
    expect(parseReply('The answer is {"a": [1, 2]} as requested.', "json")).toEqual({ value: { a: [1, 2] } });
    expect(parseReply("```json\n{a: 1}\n```", "json")).toMatchObject({ error: expect.stringMatching(/JSON does not parse/) });
    expect(parseReply("```yaml\nkey: [unclosed\n```", "yaml")).toMatchObject({ error: expect.stringMatching(/YAML does not parse/) });
    expect(parseReply("```yaml\n```", "yaml")).toEqual({ error: "The reply holds no YAML." });
  });
});

describe("structured", () => {
  it("asks for a fenced block, parses and validates YAML", async () => {
    fake = await startFakeLLM();
    fake.enqueue("Here you go:\n```yaml\nname: Flow\nfiles: [0, 2]\n```");
    const llm = createLLM(fake.config);
    const value = await llm.structured("Name the abstraction.", Abstraction);
    expect(value).toEqual({ name: "Flow", files: [0, 2] });
    expect(fake.requests[0]?.lastUserText).toMatch(
      /^Name the abstraction\.\n\nReply with the result as YAML in a single ```yaml fenced block\.$/,
    );
  });

  it("re-asks with the parse error fed back, then succeeds", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue("```yaml\nname: Flow\nfiles: [0, 2\n```", "```yaml\nname: Flow\nfiles: [0, 2]\n```");
    const llm = createLLM(fake.config);
    expect(await llm.structured("Name it.", Abstraction)).toEqual({ name: "Flow", files: [0, 2] });
    const retry = fake.requests[1]!;
    expect(retry.messages.at(-2)).toEqual({ role: "assistant", content: "```yaml\nname: Flow\nfiles: [0, 2\n```", toolCalls: [] });
    expect(retry.lastUserText).toMatch(/That reply could not be used: The YAML does not parse/);
  });

  it("re-asks with the schema issues fed back (valibot)", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueue('```json\n{"name": "Flow", "files": ["zero"]}\n```', '```json\n{"name": "Flow", "files": [0]}\n```');
    const schema = v.object({ name: v.string(), files: v.array(v.number()) });
    const llm = createLLM(fake.config);
    expect(await llm.structured("Name it.", schema, { format: "json" })).toEqual({ name: "Flow", files: [0] });
    expect(fake.requests[0]?.lastUserText).toMatch(/```json fenced block/);
    expect(fake.requests[1]?.lastUserText).toMatch(/at "files\.0": /);
  });

  it("validates with arktype too", async () => {
    fake = await startFakeLLM();
    fake.enqueue("```yaml\ncount: 3\n```");
    expect(await createLLM(fake.config).structured("Count.", type({ count: "number" }))).toEqual({ count: 3 });
  });

  it("throws StructuredOutputError with the raw reply and issues after maxAttempts", async () => {
    fake = await startFakeLLM();
    fake.enqueue("not yaml: [", "name: 3", "still: wrong");
    const llm = createLLM(fake.config);
    const error = await llm.structured("Name it.", Abstraction, { maxAttempts: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructuredOutputError);
    const failure = error as StructuredOutputError;
    expect(failure.attempts).toBe(3);
    expect(failure.raw).toBe("still: wrong");
    expect(failure.issues.map((issue) => issue.path?.[0])).toEqual(expect.arrayContaining(["name", "files"]));
    expect(fake.requests).toHaveLength(3);
  });
});

describe("hostile replies", () => {
  it("re-asks quote a bounded excerpt of the failed reply, so they fit the context whatever the reply was", async () => {
    fake = await startFakeLLM({ limits: { contextTokens: 30_000, maxOutputTokens: 16_000 } });
    const huge = `\`\`\`yaml\nname: [${"never closed, ".repeat(40_000)}`; // ~120k tokens
    fake.enqueue({ text: huge, finishReason: "stop" }, "```yaml\nname: a\nfiles: [1]\n```");
    const llm = createLLM(fake.config);
    const prompt = "Describe the module. ".repeat(2_000); // ~8k tokens
    expect(await llm.structured(prompt, Abstraction)).toEqual({ name: "a", files: [1] });
    const [first, second] = fake.requests;
    const size = (request: typeof first) => request!.messages.reduce((sum, message) => sum + message.content.length, 0);
    expect(second!.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(second!.messages[1]!.content.length).toBeLessThanOrEqual(REASK_EXCERPT_CHARS + 100);
    expect(second!.messages[1]!.content).toMatch(/characters left out/);
    expect(size(second) - size(first)).toBeLessThan(REASK_EXCERPT_CHARS + 1_500);
  });

  it("re-asks do not grow with the attempts: each quotes only the latest failure", async () => {
    fake = await startFakeLLM();
    fake.enqueue("not: [yaml", "also: [bad", "still: [bad", "```yaml\nname: a\nfiles: []\n```");
    const llm = createLLM(fake.config);
    await llm.structured("q", Abstraction, { maxAttempts: 4 });
    expect(fake.requests.map((request) => request.messages.length)).toEqual([1, 3, 3, 3]);
  });

  it("reads content sent as a list of parts, and reports the parts that are not text", async () => {
    fake = await startFakeLLM();
    fake.enqueue(
      {
        contentParts: [
          { type: "text", text: "Hello, " },
          { type: "image_url", image_url: { url: "x" } },
          { type: "text", text: "world" },
        ],
      },
      { text: "```yaml\nname: a\nfiles: [2]\n```", contentParts: true },
    );
    const llm = createLLM(fake.config);
    expect(await llm.chat("q")).toMatchObject({ text: "Hello, world", ignoredParts: ["image_url"] });
    expect(await llm.structured("q", Abstraction)).toEqual({ name: "a", files: [2] });
  });

  it.each(["[", "{", "- ", '{"a":'])("a reply nested 100,000 deep in %j is a parse failure, not a crash", async (open) => {
    fake = await startFakeLLM();
    fake.respond(() => ({ text: open.repeat(100_000), finishReason: "stop" }));
    const llm = createLLM(fake.config);
    for (const format of ["yaml", "json"] as const) {
      const error = await llm.structured("q", Abstraction, { format, maxAttempts: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StructuredOutputError);
      expect((error as Error).message).toMatch(/nests deeper than 100 levels/);
    }
  });
});

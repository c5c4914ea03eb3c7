import { type } from "arktype";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { StructuredOutputError, createLLM, extractBlock, parseReply } from "../src/index.js";
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
    expect(fake.requests[0]?.lastUserText).toMatch(/^Name the abstraction\.\n\nReply with the result as YAML in a single ```yaml fenced block\.$/);
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

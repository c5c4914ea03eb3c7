import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createArticleFlow } from "./flow.js";
import type { ArticleStore } from "./nodes.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("workflow: the article writer", () => {
  it("outlines, drafts every section on its own, and combines them in outline order", async () => {
    fake.respond((request) => {
      const prompt = request.lastUserText;
      if (prompt.startsWith("Outline"))
        return "```yaml\ntitle: Small Tools\nsections:\n  - Why small\n  - What breaks\n  - How to stay small\n```";
      const section = /Write the section "([^"]+)"/.exec(prompt)![1];
      return `Draft of ${section}.`;
    });
    const nodesRun: string[] = [];
    const shared: ArticleStore = { topic: "small tools" };
    await createArticleFlow(createLLM(fake.config)).run(shared, { hooks: { nodeEnd: ({ node }) => nodesRun.push(node) } });

    expect(nodesRun.filter((name) => name !== "ArticleWriter")).toEqual(["Outliner", "BatchDrafter", "Combiner"]);
    expect(fake.requests[0]!.lastUserText).toContain("small tools");
    expect(fake.requests).toHaveLength(4);
    expect(shared.drafts).toEqual(["Draft of Why small.", "Draft of What breaks.", "Draft of How to stay small."]);
    expect(shared.article).toBe(
      "# Small Tools\n\n## Why small\n\nDraft of Why small.\n\n## What breaks\n\nDraft of What breaks.\n\n## How to stay small\n\nDraft of How to stay small.",
    );
  });

  it("re-asks for an outline that fails the schema", async () => {
    fake.enqueue("```yaml\ntitle: One\nsections: [only one]\n```", "```yaml\ntitle: Two\nsections: [a, b]\n```", "A.", "B.");
    const shared: ArticleStore = { topic: "x" };
    await createArticleFlow(createLLM(fake.config)).run(shared);
    expect(fake.requests[1]!.lastUserText).toMatch(/sections/);
    expect(shared.article).toBe("# Two\n\n## a\n\nA.\n\n## b\n\nB.");
  });
});

/** toMermaid: nodes, labelled edges, nested flows as subgraphs, escaping. */
import { describe, expect, it } from "vitest";
import { Flow, Node, toMermaid } from "flowlet";

describe("toMermaid", () => {
  it("draws one box per node and labels every edge but 'default' with its action", () => {
    const review = new Node({ name: "Review" });
    const write = new Node({ name: "Write" });
    write.next(review);
    review.on("revise", write);
    review.on("approve", new Node({ name: "Publish" }));
    expect(toMermaid(new Flow(write))).toBe(
      [
        "flowchart TD",
        '  N0["Write"]',
        '  N1["Review"]',
        '  N2["Publish"]',
        "  N0 --> N1",
        '  N1 -->|"revise"| N0',
        '  N1 -->|"approve"| N2',
      ].join("\n"),
    );
  });

  it("draws nested flows as subgraphs, with edges to and from them", () => {
    const draft = new Node({ name: "Draft" });
    draft.next(new Node({ name: "Polish" }));
    const inner = new Flow(draft, { name: "Chapter" });
    const load = new Node({ name: "Load" });
    load.next(inner).on("done", new Node({ name: "Save" }));
    expect(toMermaid(new Flow(load, { name: "Book" }), "LR")).toBe(
      [
        "flowchart LR",
        '  N0["Load"]',
        '  subgraph N1["Chapter"]',
        '    N2["Draft"]',
        '    N3["Polish"]',
        "    N2 --> N3",
        "  end",
        '  N4["Save"]',
        "  N0 --> N1",
        '  N1 -->|"done"| N4',
      ].join("\n"),
    );
  });

  it("escapes quotes and markup in names and actions, so every label stays one quoted string", () => {
    const a = new Node({ name: 'Say "hi" <b>' });
    a.on('is "x" #1', new Node({ name: "B" }));
    const chart = toMermaid(new Flow(a));
    expect(chart).toContain('N0["Say #34;hi#34; #60;b#62;"]');
    expect(chart).toContain('N0 -->|"is #34;x#34; #35;1"| N1');
    for (const label of chart.match(/\[".*?"\]|\|".*?"\|/g) ?? []) expect(label.slice(2, -2)).not.toMatch(/["<>]/);
  });

  it("draws a self-loop and the wildcard edge, and each shared node once", () => {
    const router = new Node({ name: "Router" });
    const work = new Node({ name: "Work" });
    router.on("*", work);
    router.on("again", router);
    work.next(router);
    const chart = toMermaid(new Flow(router));
    expect(chart.split("\n").filter((l) => l.includes('["Work"]'))).toHaveLength(1);
    expect(chart).toContain('N0 -->|"*"| N1');
    expect(chart).toContain('N0 -->|"again"| N0');
    expect(chart).toContain("N1 --> N0");
  });
});

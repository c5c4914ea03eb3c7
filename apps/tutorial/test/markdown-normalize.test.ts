import { describe, expect, it } from "vitest";
import { findMermaidBlocks, markdownLink, mermaidProblems, normalizeMarkdown, replaceMermaidBlocks } from "../src/markdown/index.js";

describe("normalizeMarkdown", () => {
  it("unwraps a reply wrapped in ```markdown, closed or never closed, keeping inner code blocks", () => {
    expect(normalizeMarkdown("```markdown\n# Title\n\nText\n```")).toBe("# Title\n\nText\n");
    expect(normalizeMarkdown("```md\n# Title\n\n```ts\nx\n```\n\nMore\n")).toBe("# Title\n\n```ts\nx\n```\n\nMore\n");
    expect(normalizeMarkdown("```markdown\n# Title\n\nNever closed")).toBe("# Title\n\nNever closed\n");
    expect(normalizeMarkdown("```\n# Bare wrapper\n```")).toBe("# Bare wrapper\n");
    // A chapter that starts with a code sample is not a wrapper.
    expect(normalizeMarkdown("```ts\nconst x = 1;\n```\n\nText")).toBe("```ts\nconst x = 1;\n```\n\nText\n");
  });

  it("closes a fence or an HTML comment left open, so what follows stays outside", () => {
    expect(normalizeMarkdown("# T\n\n```python\nprint(1)\n")).toBe("# T\n\n```python\nprint(1)\n```\n");
    expect(normalizeMarkdown("# T\n\n````\na ``` b\n")).toBe("# T\n\n````\na ``` b\n````\n");
    expect(normalizeMarkdown("# T\n\n~~~\nx\n")).toBe("# T\n\n~~~\nx\n~~~\n");
    expect(normalizeMarkdown("# T\n\n<!-- note\nmore")).toBe("# T\n\n<!-- note\nmore\n-->\n");
    // Inline triple backticks are not a fence.
    expect(normalizeMarkdown("# T\n\nUse ```x``` here")).toBe("# T\n\nUse ```x``` here\n");
  });

  it("makes headings and link texts plain: HTML escaped, entities decoded, one line", () => {
    expect(normalizeMarkdown("## The <App> &amp; its `<Slot>`")).toBe("## The \\<App\\> & its `<Slot>`\n");
    expect(normalizeMarkdown("See [the\n<b>flow</b>](02_flow.md).")).toBe("See [the \\<b\\>flow\\</b\\>](02_flow.md).\n");
    expect(normalizeMarkdown("Intro\n\n```\n# not a heading <x>\n```\n")).toBe("Intro\n\n```\n# not a heading <x>\n```\n");
    expect(markdownLink("Flow &amp;\nNode <X>", "a.md")).toBe("[Flow & Node \\<X\\>](a.md)");
  });
});

describe("mermaidProblems", () => {
  it("accepts what Mermaid accepts", () => {
    for (const diagram of [
      'flowchart TD\n  A["x #34;q#34;"] -->|"label"| B["y"]\n  B --> C',
      "flowchart LR\n  A[Start] --> B{Is it?}\n  B -- Yes --> C[OK]\n  B -- No ----> E[End]",
      "graph TD;\n  A-->B;\n  A-.->C;\n  B==>D & C\n  my-node --> A",
      "flowchart TD\n  subgraph one\n    a1-->a2\n  end\n  classDef big fill:#f9f\n  class a1 big",
      "sequenceDiagram\n  participant U as User\n  U->>S: hi\n  alt ok\n    S-->>U: yes\n  else no\n    S--xU: no\n  end\n  Note over U,S: done\n  loop every day\n    U->>+S: again\n  end",
      "classDiagram\n  class A {\n    +int x\n  }\n  A <|-- B",
      'pie title Pets\n  "Dogs" : 386',
    ]) {
      expect(mermaidProblems(diagram), diagram).toEqual([]);
    }
  });

  it("names what Mermaid would refuse", () => {
    const cases: [string, RegExp][] = [
      ["flowchart TD\n  A[foo (bar)] --> B", /holds brackets or quotes: quote it/],
      ['flowchart TD\n  A["unclosed] --> B', /quote is never closed/],
      ["flowchart TD\n  A[open --> B", /never closed with \]/],
      ["flowchart TD\n  A --> end", /"end" cannot be a node id/],
      ["flowchart TD\n  subgraph S\n  A --> B", /never closed with "end"/],
      ["sequenceDiagram\n  A->>B hi", /not a message/],
      ["sequenceDiagram\n  A->>B: hi\n  end", /"end" without an open block/],
      ["sequenceDiagram\n  loop forever\n  A->>B: hi", /never closed with "end"/],
      ["sequenceDiagram\n  else x", /outside an "alt" block/],
      ["classDiagram\n  class A {\n  +x", /never closed/],
      ["piechart\n x", /unknown diagram type/],
      ["", /empty/],
    ];
    for (const [diagram, problem] of cases) expect(mermaidProblems(diagram).join("\n"), diagram).toMatch(problem);
  });

  it("finds and replaces the mermaid blocks of a page", () => {
    const page = "# T\n\n```mermaid\nflowchart TD\n  A --> B\n```\n\ntext\n\n~~~mermaid\nsequenceDiagram\n  A->>B hi\n~~~\n";
    const blocks = findMermaidBlocks(page);
    expect(blocks.map((b) => mermaidProblems(b.source).length)).toEqual([0, 1]);
    expect(replaceMermaidBlocks(page, (_, i) => (i === 1 ? "(dropped)" : undefined))).toBe(
      "# T\n\n```mermaid\nflowchart TD\n  A --> B\n```\n\ntext\n\n(dropped)\n",
    );
  });
});

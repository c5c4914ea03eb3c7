import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, Node, toMermaid } from "flowlet";
import { afterAll, describe, expect, it } from "vitest";
import { cookbookFlows } from "./flows.js";
import { escapeHtml } from "./html.js";
import { visualize } from "./visualize.js";

const dir = mkdtempSync(join(tmpdir(), "visualization-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("visualization", () => {
  it("draws a cookbook flow as Mermaid and writes a page that embeds it, escaped", async () => {
    const file = join(dir, "agent.html");
    const diagram = await visualize(cookbookFlows().agent!(), file);

    expect(diagram).toBe(
      [
        "flowchart TD",
        '  N0["DecideAction"]',
        '  N1["Search"]',
        '  N2["Answer"]',
        '  N0 -->|"search"| N1',
        '  N0 -->|"answer"| N2',
        '  N1 -->|"decide"| N0',
      ].join("\n"),
    );
    const html = readFileSync(file, "utf8");
    expect(html).toContain(`<pre class="mermaid">\n${escapeHtml(diagram)}\n</pre>`);
    expect(html).toContain("N0 --&#62;|&#34;search&#34;| N1");
    expect(html).toMatch(/<script type="module">\s*import mermaid from "https:\/\/cdn\.jsdelivr\.net\/npm\/mermaid@11/);
  });

  it("cannot be made to inject markup by a flow's names", async () => {
    const evil = new Node({ name: "</pre><script>alert(1)</script>" });
    evil.on("a&b", new Node({ name: "ok" }));
    const file = join(dir, "evil.html");
    const flow = new Flow(evil, { name: "<b>Evil</b>" });
    const diagram = await visualize(flow, file);
    const html = readFileSync(file, "utf8");

    expect(diagram).toBe(toMermaid(flow));
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>Evil");
    expect(html).toContain("<title>Flow: &#60;b&#62;Evil&#60;/b&#62;</title>");
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it("draws every flow of the cookbook, nested ones as subgraphs", async () => {
    const flows = cookbookFlows();
    expect(Object.keys(flows)).toEqual(["agent", "workflow", "map-reduce", "supervisor", "rag-indexing", "rag-query", "text-to-sql"]);
    expect(toMermaid(flows["text-to-sql"]!())).toContain('-->|"error"|');
    const outer = new Flow(flows.workflow!(), { name: "Outer" });
    expect(toMermaid(outer)).toMatch(/subgraph N0\["ArticleWriter"\][\s\S]*N1\["Outliner"\][\s\S]*end/);
  });
});

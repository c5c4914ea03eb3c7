import { describe, expect, it } from "vitest";
import {
  chapterFileName,
  chapterNavigation,
  codeBlock,
  inlineCode,
  markdownLink,
  mermaidId,
  mermaidLabel,
  projectFolderName,
} from "../src/markdown/index.js";

describe("Markdown helpers shared by both modes", () => {
  it("names chapter files NN_safe_name.md, keeping letters of every script", () => {
    expect(chapterFileName(1, "Flow & Node")).toBe("01_flow_node.md");
    expect(chapterFileName(12, "数据流 (Data Flow)")).toBe("12_数据流_data_flow.md");
    expect(chapterFileName(3, "Ünïcödé Straße")).toBe("03_ünïcödé_straße.md");
    expect(chapterFileName(4, "../../etc/passwd")).toBe("04_etc_passwd.md");
    expect(chapterFileName(5, "!!!")).toBe("05_chapter.md");
    expect(chapterFileName(6, "x".repeat(500)).length).toBeLessThan(70);
  });

  it("makes project folder names safe", () => {
    expect(projectFolderName("my project")).toBe("my_project");
    expect(projectFolderName("..")).toBe("project");
    expect(projectFolderName("a/b\\c")).toBe("a_b_c");
    expect(projectFolderName("日本語")).toBe("日本語");
  });

  it("escapes Mermaid labels so quotes, brackets and pipes cannot end them", () => {
    expect(mermaidLabel('say "hi" <b> | #1')).toBe('"say #34;hi#34; #60;b#62; #124; #35;1"');
    expect(mermaidLabel("line\nbreak")).toBe('"line break"');
    expect(mermaidLabel("a long label indeed", 6)).toBe('"a lon…"');
    expect(mermaidId("C-", 3)).toBe("C3");
  });

  it("fences code longer than any backtick run in it", () => {
    expect(codeBlock("a ``` b", "ts")).toBe("````ts\na ``` b\n````");
    expect(codeBlock("plain")).toBe("```\nplain\n```");
    expect(inlineCode("a`b")).toBe("``a`b``");
  });

  it("writes links whose text and target cannot break the Markdown", () => {
    expect(markdownLink("a [b] *c*", "01_x (1).md")).toBe("[a \\[b\\] \\*c\\*](01_x%20%281%29.md)");
    expect(chapterNavigation(undefined, { title: "Two", file: "02_two.md" })).toBe("[Contents](index.md) · Next: [Two](02_two.md) →");
  });
});

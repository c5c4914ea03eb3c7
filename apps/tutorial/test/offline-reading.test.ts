import { describe, expect, it } from "vitest";
import { findMermaidBlocks, mermaidProblems } from "../src/markdown/index.js";
import { analyzeProject } from "../src/offline/index.js";
import { renderChapter, renderIndex } from "../src/offline/render.js";

const render = (files: { path: string; content: string }[], maxChapters = 10) => {
  const analysis = analyzeProject(files, maxChapters);
  const chapterFiles = analysis.chapters.map((_, i) => `${String(i + 1).padStart(2, "0")}_c.md`);
  const input = { projectName: "p", paths: files.map((f) => f.path), analysis, chapterFiles };
  return { analysis, index: renderIndex(input), pages: analysis.chapters.map((_, i) => renderChapter(input, i)) };
};

describe("the offline reading path", () => {
  it("puts the library first, a cookbook of 60 examples in one compact appendix last", () => {
    const files = [
      { path: "setup.py", content: "from setuptools import setup\nsetup()\n" },
      { path: "vitest.config.ts", content: "export default {};\n" },
      { path: "lib/__init__.py", content: '"""The library."""\nclass Flow:\n    pass\n' },
      ...Array.from({ length: 60 }, (_, i) => [
        { path: `cookbook/recipe-${i}/README.md`, content: `# Recipe ${i}\n\nShows recipe number ${i}.\n` },
        {
          path: `cookbook/recipe-${i}/main.py`,
          content: `from lib import Flow\n\n\ndef run():\n    return Flow()\n\n\nif __name__ == "__main__":\n    run()\n`,
        },
      ]).flat(),
    ];
    const { analysis, index, pages } = render(files);
    expect(analysis.chapters.map((c) => c.title)).toEqual(["lib", "Appendix: examples, tools and configuration"]);
    // The examples' own main.py files are not where a reader starts.
    expect(analysis.entryPoints.map((e) => e.path)).toEqual(["lib/__init__.py"]);
    const appendix = pages[1]!;
    expect(appendix).toContain("## `cookbook/recipe-7`\n\nShows recipe number 7.\n\n1 file: `main.py`. It uses [chapter 1](01_c.md).");
    expect(appendix).toContain("## Top-level configuration\n\n2 files: `setup.py`, `vitest.config.ts`.");
    // Compact: no symbol dumps, a line or two per example.
    expect(appendix.length).toBeLessThan(12_000);
    expect(index).toContain("2. [Appendix: examples, tools and configuration](02_c.md): 62 files in 61 folders");
    // The library's chapter shows how the examples use it.
    expect(pages[0]).toContain("## In use\n\nFrom the example `cookbook/recipe-");
  });

  it("summarises a diagram of more than 40 modules, says so, and keeps the entry points in it", () => {
    const files = [
      { path: "package.json", content: JSON.stringify({ name: "big", bin: { big: "src/zz-cli.js" } }) },
      { path: "src/zz-cli.js", content: "const a = require('./m0');\n" },
      ...Array.from({ length: 59 }, (_, i) => ({
        path: `src/m${i}.js`,
        content: `${i > 0 ? `require('./m${i - 1}');\n` : ""}exports.f${i} = function () {};\n`,
      })),
    ];
    const { pages } = render(files);
    const page = pages[0]!;
    expect(page).toContain("The diagram is a summary: it shows 40 of the 60 modules (the entry points and the most connected)");
    const [diagram] = findMermaidBlocks(page);
    expect(mermaidProblems(diagram!.source)).toEqual([]);
    expect(diagram!.source).toContain('"zz-cli.js"');
    expect(page).toContain('Start with `src/zz-cli.js` (package.json "bin" (big))');
    // Past 25 modules, the rest are listed one line each, and the page says so.
    expect(page).toContain("The first 25 of the 60 modules are shown above in full; the other 35 are listed here.");
  });
});

import {
  chapterNavigation,
  codeBlock,
  escapeMarkdownText,
  plainText,
  footer,
  inlineCode,
  markdownLink,
  mermaidBlock,
  mermaidId,
  mermaidLabel,
} from "../markdown/index.js";
import type { Analysis, AppendixGroup, Chapter, Module } from "./analyze.js";
import type { ExportedSymbol } from "./types.js";

const MAX_TREE_ENTRIES = 300;
const MAX_DIAGRAM_NODES = 40;
/** Modules shown in full per chapter; the rest are listed in a line each, so a chapter stays readable. */
const MAX_DETAILED_MODULES = 25;
const MAX_APPENDIX_GROUPS = 120;
const FENCE_LANGUAGE: Record<string, string> = { TypeScript: "ts", JavaScript: "js", Python: "python" };
const fenceOf = (path: string) =>
  ({ py: "python", ts: "ts", tsx: "tsx", js: "js", jsx: "jsx", mjs: "js", cjs: "js", mts: "ts", cts: "ts" })[
    path.slice(path.lastIndexOf(".") + 1)
  ] ?? "";

/** How the chapters are ordered, for the index page. */
const ORDER_NOTE = "entry points and the public API first, then the code they use; examples, tools and configuration last, in an appendix";

/** Printed at the top of index.md and on stdout: what this output is, and how to get the real thing. */
export const STRUCTURE_ONLY_NOTICE =
  "Structure-only tutorial: no LLM was configured, so it was built by static analysis (file tree, modules, imports, exported symbols and their doc comments), without explanations. " +
  "For a written tutorial, configure an LLM and run again: set FLOWLET_LLM_PROVIDER (openai, anthropic or gemini), FLOWLET_LLM_MODEL, and FLOWLET_LLM_API_KEY, or FLOWLET_LLM_BASE_URL for a local OpenAI-compatible server such as Ollama.";

/** What the pages need besides the analysis. */
export type RenderInput = {
  projectName: string;
  /** A link to the project (GitHub, clone URL); local folders have none. */
  sourceUrl?: string;
  paths: readonly string[];
  analysis: Analysis;
  chapterFiles: readonly string[];
};

/** The tutorial's index.md: notice, source, the chapter dependency diagram, the chapter list and the file tree. */
export function renderIndex(input: RenderInput): string {
  const { projectName, sourceUrl, analysis, chapterFiles, paths } = input;
  const { chapters, modules, languages } = analysis;
  const counts = [...languages].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([language, n]) => `${n} ${language}`);
  const symbols = modules.reduce((sum, module) => sum + module.facts.exports.length, 0);
  const out = [
    `# Tutorial: ${escapeMarkdownText(projectName)}`,
    "",
    `> **${STRUCTURE_ONLY_NOTICE.replace(/:/, ":**")}`,
    "",
    ...(analysis.about ? [analysis.about, ""] : []),
    `**Source:** ${!sourceUrl ? `the local folder ${inlineCode(projectName)}` : /^https?:\/\//.test(sourceUrl) ? markdownLink(sourceUrl, sourceUrl) : inlineCode(sourceUrl)}`,
    "",
    `${paths.length} files (${counts.join(", ")}); ${modules.length} code modules exporting ${symbols} symbols, in ${chapters.length} chapters: ${ORDER_NOTE}.`,
    "",
  ];
  const chapterOf = chapterIndex(chapters);
  if (analysis.entryPoints.length > 0) {
    out.push("## Start here", "", "Where the project is entered: what it runs, and what it offers to code that uses it.", "");
    for (const entry of analysis.entryPoints.slice(0, 12)) {
      const chapter = chapterOf.get(entry.path);
      out.push(
        `- ${inlineCode(entry.path)}: ${escapeMarkdownText(entry.reason)}${chapter === undefined ? "" : ` (${markdownLink(`chapter ${chapter + 1}`, chapterFiles[chapter]!)})`}`,
      );
    }
    if (analysis.entryPoints.length > 12) out.push(`- … and ${analysis.entryPoints.length - 12} more`);
    out.push("");
  }
  if (chapters.filter((chapter) => !chapter.appendix).length > 1) {
    out.push(
      "## How the parts depend on each other",
      "",
      "An arrow points from a part to a part it imports.",
      "",
      mermaidBlock(chapterDiagram(chapters)),
      "",
    );
  }
  out.push("## Chapters", "");
  chapters.forEach((chapter, i) => {
    const names = chapter.modules
      .flatMap((module) => module.facts.exports.map((symbol) => symbol.name))
      .filter((name) => name !== "default" && name !== "*");
    const unique = [...new Set(names)];
    const sample = unique.slice(0, 6).map(inlineCode).join(", ");
    if (chapter.appendix) {
      const groups = chapter.appendix.groups.length;
      out.push(
        `${i + 1}. ${markdownLink(chapter.title, chapterFiles[i]!)}: ${chapter.modules.length} file${chapter.modules.length === 1 ? "" : "s"} in ${groups} folder${groups === 1 ? "" : "s"}`,
      );
      return;
    }
    out.push(
      `${i + 1}. ${markdownLink(chapter.title, chapterFiles[i]!)}: ${chapter.modules.length} module${chapter.modules.length === 1 ? "" : "s"}${sample ? `, exports ${sample}${unique.length > 6 ? ", …" : ""}` : ""}`,
    );
  });
  out.push("", "## Files", "", codeBlock(fileTree(paths), "text"), "", footer("structure-only, no LLM"));
  return out.join("\n");
}

/** One chapter: its folder's modules in dependency order, each with its imports and exported symbols. */
export function renderChapter(input: RenderInput, index: number): string {
  const { chapters } = input.analysis;
  const files = input.chapterFiles;
  const chapter = chapters[index]!;
  const ref = (i: number) => ({ title: `Chapter ${i + 1}: ${chapters[i]!.title}`, file: files[i]! });
  const link = (i: number) => markdownLink(ref(i).title, ref(i).file);
  const previous = index > 0 ? ref(index - 1) : undefined;
  const next = index + 1 < chapters.length ? ref(index + 1) : undefined;
  const chapterOf = chapterIndex(chapters);

  const out = [`# Chapter ${index + 1}: ${plainText(chapter.title)}`, "", chapterNavigation(previous, next), ""];
  if (chapter.intro) {
    out.push(...chapter.intro.split("\n").map((line) => `> ${line}`));
    if (chapter.introSource) out.push(">", `> — ${inlineCode(chapter.introSource)}`);
    out.push("");
  }
  if (chapter.appendix) {
    out.push(...renderAppendix(chapter.appendix.groups, chapterOf, files));
  } else {
    const where = chapter.folder ? `the folder ${inlineCode(chapter.folder)}` : "the top of the project";
    out.push(`This chapter covers ${chapter.modules.length} module${chapter.modules.length === 1 ? "" : "s"} in ${where}.`);
    const entries = chapter.modules.filter((module) => module.entry);
    if (entries.length)
      out.push(
        `Start with ${entries
          .slice(0, 4)
          .map((module) => `${inlineCode(module.path)} (${escapeMarkdownText(module.entry!.reason)})`)
          .join(", ")}${entries.length > 4 ? ", …" : ""}.`,
      );
    if (chapter.dependsOn.length) out.push(`It builds on ${chapter.dependsOn.map(link).join(", ")}.`);
    if (chapter.usedBy.length) out.push(`It is used by ${chapter.usedBy.map(link).join(", ")}.`);
    out.push("");
    const diagram = moduleDiagram(chapter);
    if (diagram) out.push(diagram.note, "", mermaidBlock(diagram.source), "");
    if (chapter.usage.length) {
      out.push("## In use", "");
      for (const usage of chapter.usage) {
        out.push(
          `From the ${usage.kind} ${inlineCode(usage.path)}, line ${usage.line}:`,
          "",
          codeBlock(usage.excerpt, fenceOf(usage.path)),
          "",
        );
      }
    }
    const detailed = chapter.modules.slice(0, MAX_DETAILED_MODULES);
    for (const module of detailed) out.push(...renderModule(module, chapterOf, index, files));
    const rest = chapter.modules.slice(MAX_DETAILED_MODULES);
    if (rest.length) {
      out.push(
        "## More modules of this chapter",
        "",
        `The first ${detailed.length} of the ${chapter.modules.length} modules are shown above in full; the other ${rest.length} are listed here.`,
        "",
      );
      for (const module of rest) out.push(`- ${moduleLine(module)}`);
      out.push("");
    }
  }

  out.push("## What's next", "");
  out.push(
    next
      ? `Continue with ${markdownLink(next.title, next.file)}.`
      : `That was the last chapter. Back to the ${markdownLink("contents", "index.md")}.`,
  );
  out.push("", chapterNavigation(previous, next), "", footer("structure-only, no LLM"));
  return out.join("\n");
}

function renderModule(module: Module, chapterOf: Map<string, number>, current: number, files: readonly string[]): string[] {
  const out = [`## ${inlineCode(module.path)}`, ""];
  if (module.facts.doc) out.push(docText(module.facts.doc), "");
  const facts = [`${module.language}, ${module.lines} lines.`];
  if (module.dependsOn.length) {
    const targets = module.dependsOn.map((path) => {
      const chapter = chapterOf.get(path);
      return chapter === undefined || chapter === current
        ? inlineCode(path)
        : `${inlineCode(path)} (${markdownLink(`chapter ${chapter + 1}`, files[chapter]!)})`;
    });
    facts.push(`Imports ${targets.join(", ")}.`);
  }
  if (module.external.length) facts.push(`Uses ${module.external.map(inlineCode).join(", ")}.`);
  if (module.facts.parseError)
    facts.push(`Part of this file could not be parsed (${module.facts.parseError}); what follows may be incomplete.`);
  out.push(facts.join(" "), "");

  const reexports = module.facts.exports.filter((symbol) => symbol.kind === "re-export");
  if (reexports.length) out.push(`Re-exports ${reexports.map((symbol) => inlineCode(symbol.name)).join(", ")}.`, "");
  for (const symbol of module.facts.exports.filter((item) => item.kind !== "re-export")) {
    out.push(...renderSymbol(symbol, module));
  }
  return out;
}

function renderSymbol(symbol: ExportedSymbol, module: Module): string[] {
  const out = [`### ${inlineCode(symbol.name)} (${symbol.kind}, line ${symbol.line})`, ""];
  if (symbol.doc) out.push(docText(symbol.doc), "");
  if (symbol.members?.length) out.push(`Methods: ${symbol.members.map(inlineCode).join(", ")}.`, "");
  if (symbol.excerpt) out.push(codeBlock(symbol.excerpt, FENCE_LANGUAGE[module.language] ?? ""), "");
  return out;
}

/** A doc comment as Markdown: `{@link X}` becomes code, and headings cannot break the page's outline. */
function docText(doc: string): string {
  return doc
    .replace(/\{@link(?:code|plain)?\s+([^}|\s]+)(?:[\s|]+([^}]*))?\}/g, (_, target: string, text?: string) =>
      inlineCode(text?.trim() || target),
    )
    .replace(/^(#+)\s/gm, (_, hashes: string) => `${"#".repeat(Math.min(6, hashes.length + 3))} `);
}

function chapterDiagram(chapters: readonly Chapter[]): string {
  const lines = ["flowchart TD"];
  chapters.forEach((chapter, i) => {
    if (chapter.appendix) return;
    lines.push(`  ${mermaidId("C", i)}[${mermaidLabel(`${i + 1}. ${chapter.title}`, 40)}]`);
  });
  chapters.forEach((chapter, i) => {
    for (const dep of chapter.dependsOn) {
      const n = chapter.importCounts.get(dep) ?? 0;
      lines.push(`  ${mermaidId("C", i)} -->|${mermaidLabel(`${n} import${n === 1 ? "" : "s"}`)}| ${mermaidId("C", dep)}`);
    }
  });
  return lines.join("\n");
}

/**
 * The imports between a chapter's modules. Past {@link MAX_DIAGRAM_NODES} modules it shows the
 * entry points and the most connected modules, and its note says how many of how many.
 */
function moduleDiagram(chapter: Chapter): { source: string; note: string } | undefined {
  const inChapter = new Set(chapter.modules.map((module) => module.path));
  const degree = new Map(chapter.modules.map((module) => [module.path, 0]));
  for (const module of chapter.modules) {
    for (const target of module.dependsOn) {
      if (!inChapter.has(target) || target === module.path) continue;
      degree.set(module.path, degree.get(module.path)! + 1);
      degree.set(target, degree.get(target)! + 1);
    }
  }
  const cut = chapter.modules.length > MAX_DIAGRAM_NODES;
  const chosen = cut
    ? new Set(
        [...chapter.modules]
          .sort((a, b) => Number(!!b.entry) - Number(!!a.entry) || degree.get(b.path)! - degree.get(a.path)!)
          .slice(0, MAX_DIAGRAM_NODES)
          .map((module) => module.path),
      )
    : inChapter;
  const members = chapter.modules.filter((module) => chosen.has(module.path));
  const ids = new Map(members.map((module, i) => [module.path, mermaidId("M", i)]));
  const edges = members.flatMap((module) =>
    module.dependsOn
      .filter((target) => ids.has(target) && target !== module.path)
      .map((target) => `  ${ids.get(module.path)} --> ${ids.get(target)}`),
  );
  if (edges.length === 0) return undefined;
  const label = (path: string) => (chapter.folder && path.startsWith(`${chapter.folder}/`) ? path.slice(chapter.folder.length + 1) : path);
  const source = [
    "flowchart LR",
    ...members.map((module) => `  ${ids.get(module.path)}[${mermaidLabel(label(module.path), 40)}]`),
    ...edges,
  ].join("\n");
  const note = cut
    ? `An arrow points from a module to a module it imports. The diagram is a summary: it shows ${members.length} of the ${chapter.modules.length} modules (the entry points and the most connected); every module is described below.`
    : "An arrow points from a module to a module it imports.";
  return { source, note };
}

/** The appendix: each folder with its README's first paragraph, its files and what they use from the chapters. */
function renderAppendix(groups: readonly AppendixGroup[], chapterOf: Map<string, number>, files: readonly string[]): string[] {
  const out = [
    "These folders show the project in use or support it: examples, benchmarks, scripts and configuration. They are listed here, after the chapters, rather than explained.",
    "",
  ];
  for (const group of groups.slice(0, MAX_APPENDIX_GROUPS)) {
    out.push(`## ${group.folder ? inlineCode(group.folder) : "Top-level configuration"}`, "");
    if (group.intro) out.push(group.intro, "");
    const shown = group.modules
      .slice(0, 12)
      .map((module) => inlineCode(group.folder ? module.path.slice(group.folder.length + 1) : module.path));
    const uses = new Set<number>();
    for (const module of group.modules) for (const target of module.dependsOn) if (chapterOf.has(target)) uses.add(chapterOf.get(target)!);
    const usesText = uses.size
      ? ` It uses ${[...uses]
          .sort((a, b) => a - b)
          .map((i) => markdownLink(`chapter ${i + 1}`, files[i]!))
          .join(", ")}.`
      : "";
    out.push(
      `${group.modules.length} file${group.modules.length === 1 ? "" : "s"}: ${shown.join(", ")}${group.modules.length > 12 ? ", …" : ""}.${usesText}`,
      "",
    );
  }
  if (groups.length > MAX_APPENDIX_GROUPS)
    out.push(
      `… and ${groups.length - MAX_APPENDIX_GROUPS} more folders (see the file list in the ${markdownLink("contents", "index.md")}).`,
      "",
    );
  return out;
}

/** A module in one line: path, size and what it exports. */
function moduleLine(module: Module): string {
  const names = module.facts.exports.map((symbol) => symbol.name).filter((name) => name !== "default" && name !== "*");
  return `${inlineCode(module.path)} (${module.lines} lines)${names.length ? `: exports ${names.slice(0, 8).map(inlineCode).join(", ")}${names.length > 8 ? ", …" : ""}` : ""}`;
}

/** The chapter of each module, by path. */
function chapterIndex(chapters: readonly Chapter[]): Map<string, number> {
  const chapterOf = new Map<string, number>();
  chapters.forEach((chapter, i) => {
    if (chapter.appendix) return;
    for (const module of chapter.modules) chapterOf.set(module.path, i);
  });
  return chapterOf;
}

/** The paths as an indented tree, folders first; long trees are cut with a count of what was left out. */
export function fileTree(paths: readonly string[]): string {
  type Folder = Map<string, Folder | null>;
  const root: Folder = new Map();
  for (const path of paths) {
    const parts = path.split("/");
    let folder = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) folder.set(part, null);
      else {
        const child = folder.get(part) ?? new Map();
        folder.set(part, child);
        folder = child;
      }
    });
  }
  const lines: string[] = ["."];
  let omitted = 0;
  const walk = (folder: Folder, prefix: string) => {
    const entries = [...folder].sort(([a, x], [b, y]) => Number(y !== null) - Number(x !== null) || (a < b ? -1 : 1));
    entries.forEach(([name, child], i) => {
      const last = i === entries.length - 1;
      if (lines.length > MAX_TREE_ENTRIES) {
        omitted += child ? countFiles(child) : 1;
        return;
      }
      lines.push(`${prefix}${last ? "└── " : "├── "}${name}${child ? "/" : ""}`);
      if (child) walk(child, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  const countFiles = (folder: Folder): number => [...folder.values()].reduce((sum, child) => sum + (child ? countFiles(child) : 1), 0);
  walk(root, "");
  if (omitted) lines.push(`… and ${omitted} more files`);
  return lines.join("\n");
}

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Node } from "flowlet";
import { chapterNavigation, footer, markdownLink, mermaidBlock, mermaidId, mermaidLabel, projectFolderName } from "../../markdown/index.js";
import type { RunContext } from "../context.js";
import { fixChapterLinks } from "../links.js";
import { type PlannedChapter, plannedChapters } from "../outline.js";
import type { Abstraction, Relationship } from "../schemas.js";
import type { TutorialStore } from "../store.js";

/** Edge labels longer than this are cut, as in the original, so the diagram stays readable. */
const MAX_EDGE_LABEL = 30;

type Pages = { dir: string; files: { name: string; text: string }[] };
type Written = { indexPath: string; chapterFiles: string[] };

/** Writes `outputDir/<project>/index.md` and one file per chapter, each ending with the footer. */
export class CombineTutorial extends Node<TutorialStore, Pages, Written> {
  constructor(private readonly pipeline: RunContext) {
    super({ name: "CombineTutorial" });
  }

  override prep(shared: TutorialStore): Pages {
    this.pipeline.progress({ stage: "combine" });
    const chapters = plannedChapters(shared);
    const { projectName, sourceUrl, outputDir } = shared.input;
    const index = indexPage(projectName, sourceUrl, shared.summary ?? "", shared.abstractions ?? [], shared.relationships ?? [], chapters);
    const pages = chapters.map((chapter, i) => {
      const ref = (c: PlannedChapter | undefined) => c && { title: c.name, file: c.file };
      const nav = chapterNavigation(ref(chapters[i - 1]), ref(chapters[i + 1]));
      const body = fixChapterLinks(shared.chapters?.[i] ?? "", chapters).trimEnd();
      return { name: chapter.file, text: `${body}\n\n${nav}\n\n${footer()}` };
    });
    return { dir: join(outputDir, projectFolderName(projectName)), files: [{ name: "index.md", text: index }, ...pages] };
  }

  override async exec({ dir, files }: Pages): Promise<Written> {
    await mkdir(dir, { recursive: true });
    await Promise.all(files.map((f) => writeFile(join(dir, f.name), f.text)));
    const [index, ...chapters] = files.map((f) => join(dir, f.name));
    return { indexPath: index!, chapterFiles: chapters };
  }

  override post(shared: TutorialStore, _pages: Pages, written: Written): void {
    shared.output = written;
    this.pipeline.progress({ stage: "done", message: written.indexPath });
  }
}

/** index.md: title, summary, source link (when there is one), relationship diagram, chapter list, footer. */
export function indexPage(
  projectName: string,
  sourceUrl: string | null,
  summary: string,
  abstractions: readonly Abstraction[],
  relationships: readonly Relationship[],
  chapters: readonly PlannedChapter[],
): string {
  const parts = [`# Tutorial: ${projectName}`, summary.trim()];
  if (sourceUrl) parts.push(`**Source Repository:** ${markdownLink(sourceUrl, sourceUrl)}`);
  parts.push(mermaidBlock(relationshipDiagram(abstractions, relationships)));
  parts.push(`## Chapters\n\n${chapters.map((c) => `${c.number}. ${markdownLink(c.name, c.file)}`).join("\n")}`);
  parts.push(footer());
  return `${parts.join("\n\n")}`;
}

/** A `flowchart TD` with one node per abstraction and one labelled edge per relationship. */
export function relationshipDiagram(abstractions: readonly Abstraction[], relationships: readonly Relationship[]): string {
  const lines = ["flowchart TD", ...abstractions.map((a, i) => `    ${mermaidId("A", i)}[${mermaidLabel(a.name)}]`)];
  for (const r of relationships)
    lines.push(`    ${mermaidId("A", r.from)} -->|${mermaidLabel(r.label, MAX_EDGE_LABEL)}| ${mermaidId("A", r.to)}`);
  return lines.join("\n");
}

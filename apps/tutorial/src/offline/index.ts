import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chapterFileName, projectFolderName } from "../markdown/index.js";
import type { SourceFile } from "../source/types.js";
import { analyzeProject } from "./analyze.js";
import { type RenderInput, renderChapter, renderIndex } from "./render.js";

export {
  analyzeProject,
  languageOf,
  type Analysis,
  type AnalyzeOptions,
  type AppendixGroup,
  type Chapter,
  type Module,
} from "./analyze.js";
export { findEntryPoints, type EntryPoint } from "./entries.js";
export type { Usage } from "./usage.js";
export { analyzeJavaScript } from "./javascript.js";
export { analyzePython } from "./python.js";
export { orderByDependencies } from "./graph.js";
export { STRUCTURE_ONLY_NOTICE, fileTree } from "./render.js";
export type { ExportedSymbol, ModuleFacts } from "./types.js";

/** Progress of the offline mode, in the same shape as the LLM pipeline's events. */
export type OfflineProgress = { stage: string; done?: number; total?: number; message?: string };

/** What the offline mode needs. */
export type OfflineInput = {
  projectName: string;
  files: readonly SourceFile[];
  sourceUrl?: string;
  outputDir: string;
  /** The most chapters to write (the LLM mode's --max-abstractions). */
  maxChapters: number;
  /** Tests and examples outside `files`, searched for usage of each chapter's code. */
  companions?: readonly SourceFile[];
  onProgress?: (event: OfflineProgress) => void;
};

/**
 * Writes a structure-only tutorial without any LLM: `<outputDir>/<project>/index.md` and one
 * `NN_name.md` per chapter, the same layout as the LLM mode.
 */
export async function generateOfflineTutorial(input: OfflineInput): Promise<{ indexPath: string; chapterFiles: string[] }> {
  const { onProgress } = input;
  const analysis = analyzeProject(input.files, input.maxChapters, {
    companions: input.companions,
    onModule: (done, total) => {
      if (done === total || done % 25 === 0) onProgress?.({ stage: "analyze", done, total });
    },
  });
  const names = analysis.chapters.map((chapter, i) => chapterFileName(i + 1, chapter.title));
  const render: RenderInput = {
    projectName: input.projectName,
    sourceUrl: input.sourceUrl,
    paths: input.files.map((file) => file.path),
    analysis,
    chapterFiles: names,
  };
  const folder = join(input.outputDir, projectFolderName(input.projectName));
  await mkdir(folder, { recursive: true });
  const chapterFiles: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const path = join(folder, names[i]!);
    await writeFile(path, renderChapter(render, i));
    chapterFiles.push(path);
    onProgress?.({ stage: "write chapters", done: i + 1, total: names.length });
  }
  const indexPath = join(folder, "index.md");
  await writeFile(indexPath, renderIndex(render));
  return { indexPath, chapterFiles };
}

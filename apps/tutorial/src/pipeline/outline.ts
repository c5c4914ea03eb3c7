import { chapterFileName } from "../markdown/index.js";
import type { TutorialStore } from "./store.js";

/** One chapter as planned before any is written: its place, its abstraction, and its file name. */
export interface PlannedChapter {
  number: number;
  abstraction: number;
  name: string;
  description: string;
  files: number[];
  file: string;
}

/** The chapters in teaching order. File names are fixed here, so every chapter can link to every other before any is written. */
export function plannedChapters(shared: TutorialStore): PlannedChapter[] {
  const abstractions = shared.abstractions ?? [];
  return (shared.order ?? []).map((index, position) => {
    const a = abstractions[index]!;
    return {
      number: position + 1,
      abstraction: index,
      name: a.name,
      description: a.description,
      files: a.files,
      file: chapterFileName(position + 1, a.name),
    };
  });
}

/** The outline every chapter prompt carries: number, name, file and description of every chapter. */
export function outlineText(chapters: readonly PlannedChapter[]): string {
  return chapters.map((c) => `${c.number}. ${c.name} (${c.file})\n   ${c.description.replace(/\s+/g, " ")}`).join("\n");
}

import { plainText } from "./text.js";

/** A chapter as other pages link to it. */
export type ChapterRef = { title: string; file: string };

/** A Markdown link whose text cannot break out of its brackets and whose target survives spaces. */
export function markdownLink(text: string, target: string): string {
  // Only what ends a link destination is encoded: non-Latin file names stay readable.
  const safeTarget = target.replace(/[\s()<>%]/gu, (c) =>
    encodeURIComponent(c).replace(/[()]/g, (p) => `%${p.charCodeAt(0).toString(16).toUpperCase()}`),
  );
  return `[${plainText(text)}](${safeTarget})`;
}

/**
 * The navigation line of a chapter: previous chapter, the index, next chapter (the ends are left out).
 */
export function chapterNavigation(previous: ChapterRef | undefined, next: ChapterRef | undefined, indexFile = "index.md"): string {
  const parts = [
    previous && `← Previous: ${markdownLink(previous.title, previous.file)}`,
    markdownLink("Contents", indexFile),
    next && `Next: ${markdownLink(next.title, next.file)} →`,
  ].filter(Boolean);
  return parts.join(" · ");
}

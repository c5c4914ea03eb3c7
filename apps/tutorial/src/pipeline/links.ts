import type { PlannedChapter } from "./outline.js";

/**
 * Repairs the links a model wrote between chapters: a link to a `.md` file that is not one of the
 * tutorial's pages is pointed at the chapter its number prefix (`03_…`) or its text names, and
 * when neither matches it is turned back into plain text, so no link in the output is dead.
 * Links with a scheme (https:, mailto:) or an anchor alone are left alone.
 */
export function fixChapterLinks(markdown: string, chapters: readonly PlannedChapter[]): string {
  const files = new Set(["index.md", ...chapters.map((c) => c.file)]);
  return markdown.replace(/(!?)\[([^\]\n]*)\]\(([^)\s]+)\)/g, (link, bang: string, text: string, target: string) => {
    if (bang || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) return link;
    const [path = "", anchor] = target.split("#", 2);
    if (!path.toLowerCase().endsWith(".md")) return link;
    let decoded = path;
    try {
      decoded = decodeURI(path);
    } catch {}
    const name = decoded.replace(/^\.\//, "");
    if (files.has(name)) return link;
    const number = /^(\d+)_/.exec(name)?.[1];
    const named = chapters.find((c) => c.name.toLowerCase() === text.trim().toLowerCase());
    const match = named ?? chapters.find((c) => number !== undefined && c.number === Number(number));
    if (!match) return text;
    return `[${text}](${encodeURI(match.file)}${anchor === undefined ? "" : `#${anchor}`})`;
  });
}

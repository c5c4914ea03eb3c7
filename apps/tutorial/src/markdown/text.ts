/** Text helpers shared by the Markdown writers. */

/** Escapes the characters that would turn plain text into Markdown markup. */
export function escapeMarkdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** Heading or link text as plain Markdown: one line, HTML entities decoded, markup and HTML escaped. */
export function plainText(text: string): string {
  return escapeMarkdownText(decodeEntities(text.replace(/\s+/g, " ").trim()));
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** `&amp;`, `&lt;`, `&#39;`, `&#x1F600;`… decoded; unknown entities stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return ENTITIES[name.toLowerCase()] ?? entity;
  });
}

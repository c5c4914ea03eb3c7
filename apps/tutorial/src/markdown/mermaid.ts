/**
 * A quoted Mermaid label that is safe inside any node or edge: characters Mermaid treats as markup
 * become entity codes (`#34;`), line breaks and runs of whitespace become one space, and text longer
 * than `maxLength` is cut with an ellipsis.
 */
export function mermaidLabel(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  return `"${escapeMermaidText(truncate(text.replace(/\s+/g, " ").trim(), maxLength))}"`;
}

/** The entity-escaped text of a label, without the surrounding quotes. */
export function escapeMermaidText(text: string): string {
  return text.replace(/[#"<>&`|]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A Mermaid node id that is always valid: a letter prefix and a number (`A0`, `M12`). */
export function mermaidId(prefix: string, index: number): string {
  return `${prefix.replace(/[^A-Za-z]/g, "") || "N"}${index}`;
}

/** A fenced ```mermaid block ready to paste into Markdown. */
export function mermaidBlock(diagram: string): string {
  return `\`\`\`mermaid\n${diagram.trimEnd()}\n\`\`\``;
}

function truncate(text: string, maxLength: number): string {
  const chars = [...text];
  return chars.length <= maxLength ? text : `${chars.slice(0, Math.max(0, maxLength - 1)).join("")}…`;
}

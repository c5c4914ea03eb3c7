import { decodeEntities } from "./text.js";

/**
 * Repairs the Markdown a model wrote, so that appending the navigation line and the footer can
 * never land inside a block:
 *
 * - a reply wrapped in a ```markdown (or ```md, or bare) fence is unwrapped, closed or not;
 * - a fence left open is closed, with the same fence characters and at least the same length;
 * - an HTML comment left open (`<!--`) is closed;
 * - headings and link texts are made plain: line breaks become spaces, HTML entities are decoded
 *   and what would read as HTML or markup (`<App>`, `*`, `_`) is escaped.
 */
export function normalizeMarkdown(markdown: string): string {
  let lines = unwrapFence(markdown.replace(/\r\n?/g, "\n").trim()).split("\n");
  lines = closeBlocks(lines);
  let fence: string | undefined;
  const out = lines.map((line) => {
    if (fence) {
      if (closingFence(fence).test(line)) fence = undefined;
      return line;
    }
    const open = FENCE.exec(line);
    if (open && !(open[1]![0] === "`" && open[2]!.includes("`"))) fence = open[1]!;
    return /^ {0,3}#{1,6}\s/.test(line) ? sanitizeHeading(line) : line;
  });
  return `${sanitizeLinks(out.join("\n")).trim()}\n`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * The body of a reply that is one fenced Markdown block. The wrapper's closing fence is the reply's
 * last line (inner code blocks close earlier); when it is missing, a ```markdown opening still
 * counts, and a bare ``` opening counts when a heading follows it.
 */
function unwrapFence(text: string): string {
  const lines = text.split("\n");
  const open = FENCE.exec(lines[0]!);
  if (!open || !/^\s*(markdown|md)?\s*$/i.test(open[2]!)) return text;
  const fence = open[1]!;
  const named = open[2]!.trim() !== "";
  const body = lines.slice(1);
  if (!named && !/^\s*#/.test(body.find((line) => line.trim() !== "") ?? "")) return text;
  if (closingFence(fence).test(body.at(-1) ?? "")) return body.slice(0, -1).join("\n").trim();
  return body.join("\n").trim();
}

function closingFence(fence: string): RegExp {
  return new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
}

/** Closes a fence or HTML comment still open at the end. */
function closeBlocks(lines: string[]): string[] {
  let fence: string | undefined;
  let comment = false;
  for (const line of lines) {
    if (fence) {
      if (closingFence(fence).test(line)) fence = undefined;
      continue;
    }
    if (comment) {
      if (line.includes("-->")) comment = false;
      continue;
    }
    const open = FENCE.exec(line);
    if (open && !(open[1]![0] === "`" && open[2]!.includes("`"))) fence = open[1]!;
    else if (line.lastIndexOf("<!--") > line.lastIndexOf("-->")) comment = true;
  }
  if (fence) return [...trimTrailingBlank(lines), fence];
  if (comment) return [...trimTrailingBlank(lines), "-->"];
  return lines;
}

function trimTrailingBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out.at(-1)!.trim() === "") out.pop();
  return out;
}

function sanitizeHeading(line: string): string {
  const match = /^( {0,3}#{1,6})\s+(.*?)\s*#*\s*$/.exec(line)!;
  return `${match[1]!.trim()} ${sanitizeInline(match[2]!)}`;
}

/** Inline text: entities decoded, raw HTML tags escaped, code spans kept as they are. */
function sanitizeInline(text: string): string {
  return text
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 === 1 ? part : decodeEntities(part).replace(/(?<!\\)[<>]/g, (c) => `\\${c}`)))
    .join("");
}

/** Link texts on one line with HTML made plain; code blocks are left alone. */
function sanitizeLinks(markdown: string): string {
  const parts = markdown.split(/(^(?:`{3,}|~{3,})[^\n]*\n[\s\S]*?\n(?:`{3,}|~{3,})\s*$)/m);
  return parts
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(
            /(?<!!)\[([^\]]*)\]\(([^)\s]+)\)/g,
            (_, text: string, target: string) => `[${sanitizeInline(text.replace(/\s*\n\s*/g, " "))}](${target})`,
          ),
    )
    .join("");
}

import { parse as parseYAML } from "yaml";

/** The formats `structured()` can ask for. */
export type StructuredFormat = "yaml" | "json";

const LANGUAGES: Record<StructuredFormat, readonly string[]> = { yaml: ["yaml", "yml"], json: ["json", "jsonc", "json5"] };

interface Block {
  language: string;
  body: string;
}

/** The fenced blocks of a reply; an unclosed fence runs to the end (a reply cut short, or a model that forgot). */
function fencedBlocks(reply: string): Block[] {
  const blocks: Block[] = [];
  const opening = /(`{3,}|~{3,})[ \t]*([\w.+-]*)[^\n]*\n/g;
  for (let match = opening.exec(reply); match; match = opening.exec(reply)) {
    const [, fence = "```", language = ""] = match;
    const start = opening.lastIndex;
    // A closing fence sits no deeper than its opening one, so fences nested in the data
    // (a YAML block scalar holding code) stay inside. An opening fence after prose counts as unindented.
    const before = reply.slice(reply.lastIndexOf("\n", match.index) + 1, match.index);
    const indent = /^[ \t]*$/.test(before) ? before.length : 0;
    const closing = new RegExp(`^[ \\t]{0,${indent}}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`, "m");
    const rest = reply.slice(start);
    const end = rest.search(closing);
    blocks.push({ language: language.toLowerCase(), body: end === -1 ? rest : rest.slice(0, end) });
    if (end === -1) break;
    opening.lastIndex = start + end + (rest.slice(end).match(closing)?.[0].length ?? 0);
  }
  return blocks;
}

/**
 * The part of `reply` that holds the data: the first block fenced as `format` (```yaml, ```yml,
 * ```json), else the first bare fence, else any fence, else the whole reply.
 */
export function extractBlock(reply: string, format: StructuredFormat): string {
  const blocks = fencedBlocks(reply);
  const chosen =
    blocks.find((block) => LANGUAGES[format].includes(block.language)) ?? blocks.find((block) => block.language === "") ?? blocks[0];
  return (chosen ? chosen.body : reply).trim();
}

/** Parses the data in `reply`, or explains in one sentence (fit to send back to the model) why it cannot. */
export function parseReply(reply: string, format: StructuredFormat): { value: unknown } | { error: string } {
  const block = extractBlock(reply, format);
  if (block === "") return { error: `The reply holds no ${format.toUpperCase()}.` };
  if (format === "json") {
    try {
      return { value: JSON.parse(block) };
    } catch (error) {
      // Prose around an unfenced object: take the outermost braces or brackets.
      const start = block.search(/[[{]/);
      const end = Math.max(block.lastIndexOf("}"), block.lastIndexOf("]"));
      if (start >= 0 && end > start) {
        try {
          return { value: JSON.parse(block.slice(start, end + 1)) };
        } catch {
          // Report the first error, about the block as the model wrote it.
        }
      }
      return { error: `The JSON does not parse: ${(error as Error).message}` };
    }
  }
  try {
    return { value: parseYAML(block) };
  } catch (error) {
    return { error: `The YAML does not parse: ${(error as Error).message.split("\n")[0]}` };
  }
}

import { parse as parseYAML } from "yaml";

/** The formats `structured()` can ask for. */
export type StructuredFormat = "yaml" | "json";

const LANGUAGES: Record<StructuredFormat, readonly string[]> = { yaml: ["yaml", "yml"], json: ["json", "jsonc", "json5"] };

interface Block {
  language: string;
  body: string;
}

/** Nesting deeper than this is refused before parsing: real data never needs it, and parsers recurse. */
export const MAX_NESTING = 100;

interface Opening {
  char: string;
  length: number;
  language: string;
  indent: number;
  bodyStart: number;
}

/** The next opening fence at or after `from`: three or more backticks or tildes, then an info string and a line break. */
function nextOpening(reply: string, from: number): Opening | undefined {
  const ticks = reply.indexOf("```", from);
  const tildes = reply.indexOf("~~~", from);
  const start = ticks === -1 ? tildes : tildes === -1 ? ticks : Math.min(ticks, tildes);
  if (start === -1) return undefined;
  const char = reply[start] as string;
  let at = start;
  while (reply[at] === char) at++;
  const length = at - start;
  while (reply[at] === " " || reply[at] === "\t") at++;
  const languageStart = at;
  while (at < reply.length && isInfoChar(reply.charCodeAt(at))) at++;
  const language = reply.slice(languageStart, at).toLowerCase();
  const lineEnd = reply.indexOf("\n", at);
  if (lineEnd === -1) return undefined; // a fence on the last line opens nothing
  // A fence indented by spaces only keeps its indentation; one after prose counts as unindented.
  const lineStart = reply.lastIndexOf("\n", start - 1) + 1;
  let indent = 0;
  while (lineStart + indent < start && (reply[lineStart + indent] === " " || reply[lineStart + indent] === "\t")) indent++;
  return { char, length, language, indent: lineStart + indent === start ? indent : 0, bodyStart: lineEnd + 1 };
}

function isInfoChar(code: number): boolean {
  // [A-Za-z0-9_.+-]
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 46 ||
    code === 43 ||
    code === 45
  );
}

/** Whether reply[start, end) is a closing fence for `open`: no deeper indent, as long a run of its character, nothing after. */
function closes(reply: string, start: number, end: number, open: Opening): boolean {
  let at = start;
  while (at < end && at - start <= open.indent && (reply[at] === " " || reply[at] === "\t")) at++;
  if (at - start > open.indent) return false;
  const runStart = at;
  while (at < end && reply[at] === open.char) at++;
  if (at - runStart < open.length) return false;
  while (at < end && (reply[at] === " " || reply[at] === "\t" || reply[at] === "\r")) at++;
  return at === end;
}

/**
 * The fenced blocks of a reply, in one linear pass; an unclosed fence runs to the end (a reply cut
 * short, or a model that forgot). A closing fence sits no deeper than its opening one, so fences
 * nested in the data (a YAML block scalar holding code) stay inside.
 */
function fencedBlocks(reply: string): Block[] {
  const blocks: Block[] = [];
  let from = 0;
  for (let open = nextOpening(reply, from); open; open = nextOpening(reply, from)) {
    let line = open.bodyStart;
    let end = -1;
    for (;;) {
      const newline = reply.indexOf("\n", line);
      const lineEnd = newline === -1 ? reply.length : newline;
      if (closes(reply, line, lineEnd, open)) {
        end = line;
        from = newline === -1 ? reply.length : newline + 1;
        break;
      }
      if (newline === -1) break;
      line = newline + 1;
    }
    blocks.push({ language: open.language, body: end === -1 ? reply.slice(open.bodyStart) : reply.slice(open.bodyStart, end) });
    if (end === -1) break;
  }
  return blocks;
}

/**
 * How deeply `text` nests, in one pass: flow brackets (`[`, `{`) outside quoted strings, and
 * YAML's compact nesting (`- - - x`, `a: b: c:` on one line). Parsers recurse per level, so a
 * hostile reply nested thousands deep must be refused before it reaches them.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote = "";
  let compact = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (lineStart && char === " ") {
      // Block nesting by indentation: ~4 spaces a level at the very least a parser must recurse for.
      deepest = Math.max(deepest, Math.floor(++indent / 4));
      continue;
    }
    if (quote) {
      if (char === "\\" && quote === '"') i++;
      else if (char === quote || char === "\n") quote = "";
      continue;
    }
    if (char === '"' || char === "'") quote = char as string;
    else if (char === "[" || char === "{") deepest = Math.max(deepest, ++depth);
    else if (char === "]" || char === "}") depth = Math.max(0, depth - 1);
    else if (char === "\n") {
      compact = 0;
      indent = 0;
      lineStart = true;
      continue;
    } else if ((char === "-" || char === "?" || char === ":") && (text[i + 1] === " " || text[i + 1] === "\t")) {
      // Indicators that open a nested node on the same line.
      if (lineStart || char === ":") deepest = Math.max(deepest, depth + ++compact);
      continue;
    }
    if (char !== " " && char !== "\t") lineStart = false;
  }
  return deepest;
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
  if (nestingDepth(block) > MAX_NESTING)
    return { error: `The ${format.toUpperCase()} nests deeper than ${MAX_NESTING} levels: reply with flatter data` };
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
    return { error: `The YAML does not parse: ${String((error as Error)?.message ?? error).split("\n")[0]}` };
  }
}

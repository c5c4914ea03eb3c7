/**
 * A Mermaid syntax checker for the diagrams a tutorial holds, so that no diagram Mermaid would
 * refuse is published.
 *
 * Why not Mermaid's own parser: `mermaid` 12.3 (201 MB installed, Node ≥ 22.12) parses in Node,
 * but a valid `flowchart` fails there with "DOMPurify.addHook is not a function" (it needs a
 * browser DOM), and `@mermaid-js/parser` covers neither flowcharts nor sequence diagrams.
 *
 * What is checked:
 * - `flowchart`/`graph` and `sequenceDiagram` (the kinds the prompts ask for) line by line, after
 *   Mermaid's grammar: node shapes with balanced brackets, labels that are quoted or free of
 *   brackets and quotes, links and link labels, `subgraph`/`end` balance; participants, messages
 *   with their arrow and `:` text, notes, and `loop`/`alt`/`opt`/`par`/`critical`/`break`/`rect`
 *   blocks closed by `end` (`else` only in `alt`, `and` only in `par`);
 * - every other known diagram type by its header and, per line, balanced brackets and quotes;
 * - anything else is reported as an unknown diagram type.
 *
 * It errs on the side of refusing: a diagram it cannot vouch for is re-asked or dropped, which
 * costs a picture; publishing a broken one costs the reader a red error box.
 */

const OTHER_TYPES = new Set([
  "classDiagram",
  "classDiagram-v2",
  "stateDiagram",
  "stateDiagram-v2",
  "erDiagram",
  "gantt",
  "pie",
  "journey",
  "gitGraph",
  "mindmap",
  "timeline",
  "quadrantChart",
  "requirementDiagram",
  "C4Context",
  "C4Container",
  "C4Component",
  "C4Dynamic",
  "C4Deployment",
  "sankey-beta",
  "xychart-beta",
  "block-beta",
  "packet-beta",
  "kanban",
  "architecture-beta",
]);

/** Problems with one diagram's source (without its fence); empty when it passes. */
export function mermaidProblems(source: string): string[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let start = 0;
  // An optional front-matter block (`---` … `---`) and comment lines come before the header.
  if (lines[0]?.trim() === "---") {
    const close = lines.findIndex((line, i) => i > 0 && line.trim() === "---");
    if (close === -1) return ["the front matter (---) is never closed"];
    start = close + 1;
  }
  while (start < lines.length && (lines[start]!.trim() === "" || lines[start]!.trim().startsWith("%%"))) start++;
  const header = (lines[start] ?? "").trim();
  const body = lines.slice(start + 1).map((text, i) => ({ text, number: start + i + 2 }));
  const type = header.split(/\s+/)[0] ?? "";
  if (type === "flowchart" || type === "graph") return flowchartProblems(header, body);
  if (type === "sequenceDiagram") return sequenceProblems(header, body);
  if (OTHER_TYPES.has(type)) return balanceProblems(body);
  return [header ? `unknown diagram type "${type.slice(0, 40)}"` : "the diagram is empty"];
}

type Line = { text: string; number: number };

// A hyphen may be part of an id, but not the start of a link (`A-->B`, `A-.->B`).
const ID = String.raw`[\p{L}\p{N}_](?:[\p{L}\p{N}_]|-(?![-.>=ox]))*`;
/** Node shapes, longest openers first: [[ ]], [( )], (( )), ([ ]), {{ }}, [/ /], [\ \], [ ], ( ), { }, > ]. */
const SHAPES: [string, string][] = [
  ["(((", ")))"],
  ["[[", "]]"],
  ["[(", ")]"],
  ["((", "))"],
  ["([", "])"],
  ["{{", "}}"],
  ["[/", "/]"],
  ["[\\", "\\]"],
  ["[/", "\\]"],
  ["[\\", "/]"],
  ["[", "]"],
  ["(", ")"],
  ["{", "}"],
  [">", "]"],
];
const LINK = /^\s*(?:<|o|x)?(?:--+|==+|-\.+-|~~~+)(?:>|o|x)?(?:\|([^|]*)\|)?\s*/;
/** `-- text -->` and `== text ==>`, `-. text .->` */
const TEXT_LINK = /^\s*(?:<)?(--|==|-\.)\s+([^\n]*?)\s+(-{2,}>|-{3,}|={2,}>|={3,}|\.-+>|\.-+)\s*/;
const FLOW_KEYWORDS = /^(classDef|class|style|linkStyle|click|direction)\b/;

function flowchartProblems(header: string, lines: Line[]): string[] {
  const problems: string[] = [];
  if (!/^(flowchart|graph)(\s+(TD|TB|BT|RL|LR))?\s*;?$/.test(header))
    problems.push(`the header "${header.slice(0, 60)}" is not "flowchart TD" (or TB, BT, RL, LR)`);
  let depth = 0;
  for (const { text, number } of lines) {
    for (const statement of statements(text)) {
      const line = statement.trim();
      if (line === "" || line.startsWith("%%")) continue;
      if (/^subgraph\b/.test(line)) {
        depth++;
        const title = line.slice("subgraph".length).trim();
        if (title && !parseNode(title, 0))
          problems.push(`line ${number}: the subgraph title "${title.slice(0, 40)}" needs quotes or an id: subgraph S1["Title"]`);
        continue;
      }
      if (line === "end") {
        if (--depth < 0) problems.push(`line ${number}: "end" without a subgraph`);
        depth = Math.max(0, depth);
        continue;
      }
      if (FLOW_KEYWORDS.test(line)) continue;
      const problem = chainProblem(line);
      if (problem) problems.push(`line ${number}: ${problem}: ${line.slice(0, 80)}`);
    }
  }
  if (depth > 0) problems.push(`${depth} subgraph${depth === 1 ? " is" : "s are"} never closed with "end"`);
  return problems;
}

/** A line split at the `;` that end statements, never inside a quoted label (`"#34;"` holds one). */
function statements(line: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ";" && !quoted) {
      out.push(line.slice(from, i));
      from = i + 1;
    }
  }
  out.push(line.slice(from));
  return out;
}

/** Why a statement `A["x"] --> B & C -->|y| D` is not a valid chain of nodes and links, or undefined. */
function chainProblem(line: string): string | undefined {
  let at = 0;
  for (;;) {
    const node = parseNode(line, at);
    if (!node) return at === 0 ? "expected a node id" : "expected a node after the link";
    if (node.problem) return node.problem;
    at = node.end;
    const rest = line.slice(at);
    if (rest.trim() === "") return undefined;
    const amp = /^\s*&\s*/.exec(rest);
    if (amp) {
      at += amp[0].length;
      continue;
    }
    const textLink = TEXT_LINK.exec(rest);
    const link = textLink ?? LINK.exec(rest);
    if (!link) return `unexpected "${rest.trim().slice(0, 20)}"`;
    const label = textLink ? textLink[2] : link[1];
    if (label !== undefined && /^\s*"/.test(label) && !/^\s*"[^"]*"\s*$/.test(label)) return "a link label has an unbalanced quote";
    if (label !== undefined && !/^\s*"/.test(label) && /[[\](){}"]/.test(label))
      return 'a link label holds brackets or quotes: quote it ("...")';
    at += link[0].length;
  }
}

/** A node reference at `at`: an id, an optional shape with its label, an optional `:::class`. */
function parseNode(line: string, at: number): { end: number; problem?: string } | undefined {
  const id = new RegExp(`^\\s*${ID}`, "u").exec(line.slice(at));
  if (!id) return undefined;
  let end = at + id[0].length;
  if (/^(end|subgraph)$/i.test(id[0].trim()) && line.slice(end, end + 1) !== "[")
    return { end, problem: `"${id[0].trim()}" cannot be a node id` };
  const rest = line.slice(end);
  const shape = SHAPES.find(([open]) => rest.startsWith(open));
  if (shape) {
    const [open, close] = shape;
    const inner = rest.slice(open.length);
    if (inner.startsWith('"')) {
      const quoteEnd = inner.indexOf('"', 1);
      if (quoteEnd === -1) return { end, problem: "a label's quote is never closed" };
      if (!inner.slice(quoteEnd + 1).startsWith(close))
        return { end, problem: `a quoted label must end with ${close} right after its closing quote` };
      end += open.length + quoteEnd + 1 + close.length;
    } else {
      const closeAt = inner.indexOf(close);
      if (closeAt === -1) return { end, problem: `a node shape opened with ${open} is never closed with ${close}` };
      const label = inner.slice(0, closeAt);
      if (/[[\](){}"]/.test(label))
        return { end, problem: `the label "${label.slice(0, 40)}" holds brackets or quotes: quote it, A["..."]` };
      if (label.trim() === "") return { end, problem: "a node has an empty label" };
      end += open.length + closeAt + close.length;
    }
  }
  const cls = /^:::[\w-]+/.exec(line.slice(end));
  if (cls) end += cls[0].length;
  return { end };
}

const ARROW = String.raw`(?:<<-->>|<<->>|-->>|->>|-->|->|--x|-x|--\)|-\))`;
const PARTICIPANT = String.raw`[^\s:;,+\-<>][^:;,<>]*?`;
const MESSAGE = new RegExp(String.raw`^(${PARTICIPANT})\s*${ARROW}\s*[+-]?\s*(${PARTICIPANT})\s*:(.*)$`, "u");
const OPENERS = new Set(["loop", "alt", "opt", "par", "par_over", "critical", "break", "rect", "box"]);

function sequenceProblems(header: string, lines: Line[]): string[] {
  const problems: string[] = [];
  if (header !== "sequenceDiagram") problems.push(`the header "${header.slice(0, 60)}" should be "sequenceDiagram" alone on its line`);
  const open: string[] = [];
  for (const { text, number } of lines) {
    const line = text.trim();
    if (line === "" || line.startsWith("%%")) continue;
    const word = line.split(/\s+/)[0]!;
    const at = `line ${number}`;
    if (word === "participant" || word === "actor") {
      if (!/^(participant|actor)\s+[^\s:]+(\s+as\s+\S.*)?$/.test(line))
        problems.push(`${at}: write "${word} Name" or "${word} Id as Label": ${line.slice(0, 80)}`);
    } else if (/^title\b/.test(line)) {
      // A title line takes any text.
    } else if (
      word === "autonumber" ||
      word === "activate" ||
      word === "deactivate" ||
      word === "create" ||
      word === "destroy" ||
      word === "links" ||
      word === "link"
    ) {
      if (word !== "autonumber" && line.split(/\s+/).length < 2) problems.push(`${at}: "${word}" needs a participant`);
    } else if (/^note$/i.test(word)) {
      if (!/^note\s+(left of|right of|over)\s+[^:]+:.*$/i.test(line))
        problems.push(`${at}: write "Note right of A: text" (or left of, over A,B): ${line.slice(0, 80)}`);
    } else if (OPENERS.has(word)) {
      open.push(word);
    } else if (word === "else" || word === "and" || word === "option") {
      const expected = word === "else" ? "alt" : word === "and" ? "par" : "critical";
      if (open.at(-1) !== expected) problems.push(`${at}: "${word}" outside an "${expected}" block`);
    } else if (line === "end") {
      if (!open.pop()) problems.push(`${at}: "end" without an open block`);
    } else if (!MESSAGE.test(line)) {
      problems.push(`${at}: not a message "A->>B: text", a participant, a note or a block: ${line.slice(0, 80)}`);
    }
  }
  if (open.length > 0) problems.push(`${open.length} block${open.length === 1 ? "" : "s"} (${open.join(", ")}) never closed with "end"`);
  return problems;
}

/** Other diagram types: an odd number of double quotes on a line, or brackets unbalanced over the diagram. */
function balanceProblems(lines: Line[]): string[] {
  const stack: { c: string; number: number }[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const { text, number } of lines) {
    if (text.trim().startsWith("%%")) continue;
    if ((text.match(/"/g) ?? []).length % 2 === 1) return [`line ${number}: an unbalanced double quote`];
    for (const c of text.replace(/"[^"]*"/g, "")) {
      if (c === "(" || c === "[" || c === "{") stack.push({ c, number });
      else if (c in pairs && stack.pop()?.c !== pairs[c]) return [`line ${number}: an unmatched "${c}"`];
    }
  }
  const open = stack.at(-1);
  return open ? [`line ${open.number}: "${open.c}" is never closed`] : [];
}

/** A ```mermaid block of a Markdown page: where it is and what it says. */
export type MermaidBlock = { start: number; end: number; source: string };

/** The ```mermaid (or ~~~mermaid) blocks of a page, with their character ranges (fences included). */
export function findMermaidBlocks(markdown: string): MermaidBlock[] {
  const blocks: MermaidBlock[] = [];
  const pattern = /^ {0,3}(`{3,}|~{3,})[ \t]*mermaid[ \t]*\n([\s\S]*?)\n {0,3}\1[`~]*[ \t]*$/gm;
  for (const match of markdown.matchAll(pattern))
    blocks.push({ start: match.index, end: match.index + match[0].length, source: match[2]! });
  return blocks;
}

/**
 * Replaces each ```mermaid block for which `replace` returns a string (a fixed block, or a note
 * saying the diagram was left out); blocks it returns `undefined` for stay.
 */
export function replaceMermaidBlocks(markdown: string, replace: (block: MermaidBlock, index: number) => string | undefined): string {
  let out = "";
  let at = 0;
  findMermaidBlocks(markdown).forEach((block, i) => {
    const next = replace(block, i);
    if (next === undefined) return;
    out += markdown.slice(at, block.start) + next;
    at = block.end;
  });
  return out + markdown.slice(at);
}

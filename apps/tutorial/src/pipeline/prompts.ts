import type { Room } from "./budget.js";
import { PipelineConfigError } from "./errors.js";

/**
 * The prompts, one function per LLM call. Each builds its fixed part (instructions, outline) from a
 * template and packs the variable part (files, summaries) into whatever budget is left, so no
 * prompt ever exceeds the budget: what does not fit is truncated with a note, never overflowed.
 */

/** Room the variable part must at least get, or the prompt is useless. */
const MIN_CONTEXT_ROOM = 150;
/** Kept free for the format line `llm.structured` appends to every prompt. */
export const APPENDED_INSTRUCTION = 32;

/**
 * `template(context)` with `sections` packed into the room the template leaves under `budget`.
 * Throws {@link PipelineConfigError} when the fixed part alone leaves no useful room.
 */
export function fitPrompt(stage: string, room: Room, sections: readonly string[], template: (context: string) => string): string {
  const { tokens, budget } = room;
  const left = budget - APPENDED_INSTRUCTION - tokens.count(template(""));
  if (left < MIN_CONTEXT_ROOM) {
    throw new PipelineConfigError(
      `The ${stage} prompt needs about ${budget - left + MIN_CONTEXT_ROOM} tokens but only ${budget} are left of the context window once its reply is set aside: raise contextTokens (--context-tokens, the model's context window), lower maxOutputTokens, or lower maxAbstractions.`,
    );
  }
  return template(tokens.pack(sections, left));
}

export interface Language {
  /** As the user wrote it, capitalised: "Japanese". */
  name: string;
  english: boolean;
}

export function language(value: string): Language {
  const name = value.trim() ? value.trim()[0]!.toUpperCase() + value.trim().slice(1) : "English";
  return { name, english: /^(english|en)$/i.test(name) };
}

/** The instruction that makes the model answer in the run's language, or "" for English. */
function inLanguage(lang: Language, what: string): string {
  return lang.english
    ? ""
    : `IMPORTANT: write ${what} in **${lang.name}**, not in English. Keep YAML keys, file paths and code as they are.\n\n`;
}

const yamlReply = (example: string) =>
  `Reply with YAML only, inside a \`\`\`yaml block, shaped like this:\n\n\`\`\`yaml\n${example.trim()}\n\`\`\``;

/** A file's header, the same wherever files are shown, so indices read the same in every prompt. */
export function fileHeader(index: number, path: string, part?: { part: number; parts: number }): string {
  return `--- File Index ${index}: ${shortPath(path)}${part && part.parts > 1 ? ` (part ${part.part} of ${part.parts})` : ""} ---`;
}

export function rangeHeader(first: number, last: number, firstPath: string, lastPath: string): string {
  return first === last ? fileHeader(first, firstPath) : `--- Files ${first}–${last}: ${shortPath(firstPath)} … ${shortPath(lastPath)} ---`;
}

/** A path cut in the middle past 160 characters: a hostile repository's 4 KiB path must not eat the budget. */
function shortPath(path: string): string {
  // Control characters too: a file name with a newline must not forge the next header.
  const clean = path.replace(/\p{Cc}/gu, "?");
  return clean.length <= 160 ? clean : `${clean.slice(0, 60)}…${clean.slice(-99)}`;
}

export function summarizeFilesPrompt(project: string, room: Room, indices: readonly number[], sections: readonly string[]): string {
  return fitPrompt("file summary", room, sections, (context) =>
    [
      `You are reading part of the codebase of the project \`${project}\`. It is too large to read at once, so it is summarised a few files at a time.`,
      context,
      `For each file shown (file indices ${indices.join(", ")}), write a summary of at most 60 words: what the file is for, its main types and functions, and what it depends on. A file shown in several parts gets one summary covering the parts you saw.`,
      "Write the summaries in English: they are notes for later steps, not part of the tutorial.",
      yamlReply(`
- file_index: 3 # src/app.ts
  summary: |
    Starts the server, wires the router and the database pool.
`),
    ].join("\n\n"),
  );
}

export function mergeSummariesPrompt(project: string, room: Room, first: number, last: number, sections: readonly string[]): string {
  return fitPrompt("summary merge", room, sections, (context) =>
    [
      `These are summaries of files ${first} to ${last} of the project \`${project}\`, which is too large to read at once.`,
      context,
      `Write one summary of this part of the codebase in at most 150 words: the concepts it implements and how they fit together. Name the most important files as "index # path" so later steps can cite them.`,
      yamlReply(`
summary: |
  The HTTP layer (12 # src/server.ts, 15 # src/router.ts) turns requests into ...
`),
    ].join("\n\n"),
  );
}

export function identifyPrompt(
  project: string,
  room: Room,
  lang: Language,
  maxAbstractions: number,
  sections: readonly string[],
  summarised: boolean,
): string {
  const min = Math.min(5, maxAbstractions);
  return fitPrompt("identify abstractions", room, sections, (context) =>
    [
      `For the project \`${project}\`:`,
      summarised
        ? "The codebase is too large to show in full; here are summaries of its files (headers give the file indices):"
        : "Here is its codebase (headers give the file indices):",
      context,
      `${inLanguage(lang, "each `name` and `description`")}Identify the ${min === maxAbstractions ? maxAbstractions : `${min} to ${maxAbstractions}`} most important core abstractions a newcomer needs to understand this codebase.`,
      [
        "For each abstraction give:",
        "1. `name`: a short, clear name.",
        "2. `description`: what it is and why it exists, for a beginner, in about 100 words, with a simple analogy.",
        '3. `file_indices`: the indices of the files that implement it, as "index # path", using only indices from the headers above.',
      ].join("\n"),
      yamlReply(`
- name: |
    Query Processing
  description: |
    Turns what the user typed into a plan the database can run.
    Like a waiter who writes your order in the kitchen's shorthand.
  file_indices:
    - 0 # path/to/file1.py
    - 3 # path/to/related.py
`),
    ].join("\n\n"),
  );
}

/** "0 # Name" lines with descriptions: how abstractions are shown to every later step. */
export function abstractionList(
  abstractions: readonly { name: string; description: string; files: readonly number[] }[],
  withDescriptions: boolean,
): string {
  return abstractions
    .map((a, i) =>
      withDescriptions
        ? `- ${i} # ${a.name} (files: ${a.files.join(", ")})\n  ${a.description.replace(/\s+/g, " ")}`
        : `- ${i} # ${a.name}`,
    )
    .join("\n");
}

export function relationshipsPrompt(
  project: string,
  room: Room,
  lang: Language,
  abstractions: string,
  sections: readonly string[],
): string {
  return fitPrompt("analyze relationships", room, sections, (context) =>
    [
      `These are the core abstractions of the project \`${project}\`, as "index # name":`,
      abstractions,
      "The files they live in:",
      context,
      `${inLanguage(lang, "the `summary` and every `label`")}Give:`,
      [
        "1. `summary`: what the project does and how, for a beginner, in a few sentences. Use **bold** and *italics* for key terms.",
        '2. `relationships`: how the abstractions interact. Each has `from_abstraction` and `to_abstraction` (as "index # name") and a `label` of a few words ("Manages", "Inherits from", "Uses").',
        "Every abstraction should appear in at least one relationship, and use only the indices listed above.",
      ].join("\n"),
      yamlReply(`
summary: |
  A brief, simple explanation of the project.
relationships:
  - from_abstraction: 0 # Abstraction Name
    to_abstraction: 1 # Another Abstraction
    label: Manages
`),
    ].join("\n\n"),
  );
}

export function orderPrompt(project: string, room: Room, abstractions: string, summary: string, relationships: readonly string[]): string {
  return fitPrompt("order chapters", room, relationships, (context) =>
    [
      `These are the core abstractions of the project \`${project}\`, as "index # name":`,
      abstractions,
      `The project: ${summary}`,
      "How they relate (from → to: label):",
      context,
      "In which order should a beginner learn them? Put foundational, user-facing or entry-point concepts first, and the implementation details they rely on later. List every abstraction exactly once.",
      yamlReply(`
- 2 # FoundationalConcept
- 0 # CoreClassA
- 1 # CoreClassB
`),
    ].join("\n\n"),
  );
}

export interface ChapterBrief {
  project: string;
  number: number;
  name: string;
  description: string;
  summary: string;
  /** Every chapter, in order: number, name, file name and description. */
  outline: string;
  previous?: { name: string; file: string };
  next?: { name: string; file: string };
  /** This abstraction's relationships, as lines. */
  relationships: readonly string[];
  /** The most words the chapter may take, so that it ends before the model's output cap. */
  words: number;
}

export function chapterPrompt(brief: ChapterBrief, room: Room, lang: Language, sections: readonly string[]): string {
  const { number, name } = brief;
  const link = (c: { name: string; file: string }) => `[${c.name}](${c.file})`;
  return fitPrompt(`chapter ${number}`, room, [brief.outline, ...sections], (context) =>
    [
      `${inLanguage(lang, "the whole chapter (headings, explanations, code comments, diagram labels)")}Write a very beginner-friendly tutorial chapter (in Markdown) about the concept "${name}" of the project \`${brief.project}\`. This is Chapter ${number}.`,
      `The project: ${brief.summary}`,
      `The concept: ${brief.description}`,
      brief.relationships.length > 0 ? `How it relates to the others:\n${brief.relationships.join("\n")}` : "",
      "The tutorial outline (every chapter, its file, and what it covers), then the code this chapter is about:",
      context,
      [
        "Instructions for the chapter:",
        `- Start with the heading: # Chapter ${number}: ${name}`,
        brief.previous
          ? `- Begin with a short transition from the previous chapter, ${link(brief.previous)}.`
          : "- This is the first chapter: begin by saying what the reader will learn.",
        "- Motivate the concept with a concrete use case: what problem it solves.",
        "- Break it into a few key ideas, explained one by one, for a beginner.",
        "- Show how to use it with a short example: inputs and outputs.",
        "- Every code block is under 10 lines and is explained right after it; simplify the code where that helps.",
        "- Show what happens inside with a Mermaid sequenceDiagram of at most 5 participants, then the relevant code.",
        "- When another concept comes up, link to its chapter with the file names from the outline, e.g. [Name](file.md).",
        brief.next
          ? `- End with a short conclusion that leads to the next chapter, ${link(brief.next)}.`
          : "- This is the last chapter: end with a conclusion that wraps up the tutorial.",
        "- Use analogies and examples; keep a friendly, welcoming tone.",
        `- Keep the whole chapter within about ${brief.words} words, so that it is never cut off.`,
        "Write only the chapter's Markdown, with no extra commentary.",
      ].join("\n"),
    ]
      .filter(Boolean)
      .join("\n\n"),
  );
}

/** A diagram of a chapter that did not parse, sent back once with what is wrong. */
export function fixDiagramPrompt(source: string, problems: readonly string[], room: Room): string {
  return fitPrompt("diagram repair", room, [source], (context) =>
    [
      "This Mermaid diagram from a tutorial chapter does not parse:",
      `\`\`\`mermaid\n${context}\n\`\`\``,
      `The problems:\n${problems
        .slice(0, 10)
        .map((p) => `- ${p}`)
        .join("\n")}`,
      'Reply with the corrected diagram only, in one ```mermaid block. Keep its meaning; quote every label ("..."), and use a sequenceDiagram or a flowchart TD.',
    ].join("\n\n"),
  );
}

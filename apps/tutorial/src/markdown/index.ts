export { mermaidLabel, escapeMermaidText, mermaidId, mermaidBlock } from "./mermaid.js";
export { chapterFileName, projectFolderName } from "./filenames.js";
export { markdownLink, chapterNavigation, type ChapterRef } from "./links.js";
export { escapeMarkdownText, plainText, decodeEntities } from "./text.js";
export { codeBlock, inlineCode } from "./code.js";
export { footer } from "./footer.js";
export { normalizeMarkdown } from "./normalize.js";
export { mermaidProblems, findMermaidBlocks, replaceMermaidBlocks, type MermaidBlock } from "./mermaid-check.js";

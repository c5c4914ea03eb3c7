export { mermaidLabel, escapeMermaidText, mermaidId, mermaidBlock } from "./mermaid.js";
export { chapterFileName, projectFolderName } from "./filenames.js";
export { markdownLink, escapeMarkdownText, chapterNavigation, type ChapterRef } from "./links.js";
export { codeBlock, inlineCode } from "./code.js";
export { footer } from "./footer.js";

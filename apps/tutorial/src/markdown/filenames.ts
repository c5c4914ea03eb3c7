const MAX_NAME_LENGTH = 60;

/**
 * The file name of chapter `number` (1-based): `NN_safe_name.md`. Letters and digits of every script
 * are kept (so a Japanese chapter stays readable), everything else becomes `_`, runs of `_` collapse,
 * and the name is lowercased and capped so it stays a valid file name everywhere.
 */
export function chapterFileName(number: number, name: string): string {
  const safe = [
    ...name
      .normalize("NFC")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, "_")
      .replace(/^_+|_+$/g, ""),
  ]
    .slice(0, MAX_NAME_LENGTH)
    .join("")
    .replace(/_+$/, "");
  return `${String(number).padStart(2, "0")}_${safe || "chapter"}.md`;
}

/**
 * The folder a project's tutorial is written to, inside the output folder: the project name with
 * anything that is not a letter, digit, `.`, `-` or `_` replaced, and never `.`/`..`.
 */
export function projectFolderName(projectName: string): string {
  const safe = projectName
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .replace(/^[._]+|_+$/g, "")
    .slice(0, 100);
  return safe || "project";
}

import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Document {
  /** The file name, which identifies the document in results. */
  name: string;
  text: string;
}

/** Reads every `.txt` and `.md` file of a folder, in name order. */
export async function readDocuments(folder: string): Promise<Document[]> {
  const names = (await readdir(folder)).filter((name) => /\.(txt|md)$/.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(folder, name), "utf8") })));
}

/** The résumés shared by the structured-output, parallel-batch and map-reduce examples. */
export const RESUMES_FOLDER = fileURLToPath(new URL("../data/resumes/", import.meta.url));

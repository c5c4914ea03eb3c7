import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { OutputPathError } from "./errors.js";

/**
 * Checks, without creating anything, that `output` is a folder or can become one: the nearest
 * existing path on the way to it must be a folder. Otherwise {@link OutputPathError}, before any
 * work is done (rather than ENOTDIR after the LLM has been paid).
 */
export async function checkOutputFolder(output: string): Promise<void> {
  for (let path = resolve(output); ; path = dirname(path)) {
    const info = await stat(path).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) throw new OutputPathError(output, path === resolve(output) ? output : path);
      return;
    }
    if (dirname(path) === path) return;
  }
}

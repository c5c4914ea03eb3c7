import ignore, { type Ignore } from "ignore";
import { ancestors } from "./select.js";

/**
 * The `.gitignore` files of a tree, each applying to its own folder and below, deeper files
 * overriding shallower ones (including `!negations`), as git does.
 */
export class GitignoreRules {
  readonly #rules = new Map<string, Ignore>();

  /** Adds the `.gitignore` found in `folder` (relative, `""` for the root). */
  add(folder: string, content: string): void {
    this.#rules.set(folder, ignore({ allowRelativePaths: true }).add(content));
  }

  /** Whether `path` itself is ignored; callers that walk the tree stop descending at ignored folders. */
  ignores(path: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const folder of ["", ...ancestors(path)]) {
      const rules = this.#rules.get(folder);
      if (!rules) continue;
      const relative = (folder ? path.slice(folder.length + 1) : path) + (isDirectory ? "/" : "");
      const result = rules.test(relative);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }

  /** Whether `path` or any folder on it is ignored (for flat listings). */
  ignoresPath(path: string): boolean {
    return ancestors(path).some((folder) => this.ignores(folder, true)) || this.ignores(path, false);
  }
}

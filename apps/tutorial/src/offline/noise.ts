import { posix } from "node:path";

/** Folders whose code shows or supports the project rather than being it. */
const NOISE_FOLDER =
  /^(?:examples?|samples?|demos?|cookbook|recipes|benchmarks?|bench|scripts|tools|fixtures|docs?|tests?|__tests__|spec|e2e|vendor|third_party)$/i;
/** Configuration and build files. */
const CONFIG_FILE =
  /^(?:.*\.config\.[cm]?[jt]s|\.?eslintrc\.[cm]?js|gulpfile\.[cm]?[jt]s|gruntfile\.[cm]?[jt]s|setup\.py|conftest\.py|noxfile\.py|fabfile\.py|manage\.py)$/i;

/**
 * The folder of the appendix a path belongs in (`cookbook/agent`, `bench`, or "" for a top-level
 * configuration file), or undefined when the path is part of the project proper. Examples,
 * benchmarks, scripts and configuration help a reader later, not first.
 */
export function appendixGroup(path: string): string | undefined {
  const parts = path.split("/");
  const at = parts.slice(0, -1).findIndex((part) => NOISE_FOLDER.test(part));
  if (at !== -1) return parts.slice(0, Math.min(at + 2, parts.length - 1)).join("/");
  if (CONFIG_FILE.test(posix.basename(path))) return posix.dirname(path) === "." ? "" : posix.dirname(path);
  return undefined;
}

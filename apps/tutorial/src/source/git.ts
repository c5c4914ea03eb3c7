import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitCloneError } from "./errors.js";
import { type Collected, type ReadOptions, readLocalDirectory } from "./local.js";

/**
 * Reads a repository any `git clone` accepts (ssh, https `.git`, `file://`): a shallow clone into a
 * temporary folder, read like a local directory, then deleted. Git never prompts for credentials
 * (it would hang a CLI run); it uses the user's ssh agent and credential helpers as usual.
 */
export async function readClonedRepository(url: string, options: ReadOptions): Promise<Collected> {
  const folder = await mkdtemp(join(tmpdir(), "flowlet-tutorial-clone-"));
  try {
    await gitClone(url, join(folder, "repo"), options.signal);
    return await readLocalDirectory(join(folder, "repo"), options);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function gitClone(url: string, destination: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["clone", "--depth", "1", "--quiet", "--", url, destination], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "" },
      stdio: ["ignore", "ignore", "pipe"],
      signal,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", (error) => reject(signal?.aborted ? signal.reason : new GitCloneError(redact(url), redact(error.message))));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new GitCloneError(redact(url), redact(cloneFailure(stderr))));
    });
  });
}

/**
 * What git said went wrong, as one sentence: its `fatal:`/`error:` lines with the hints after them
 * joined ("Could not read from remote repository. Please make sure you have the correct access
 * rights and the repository exists"), not the last line alone, and without a final period.
 */
export function cloneFailure(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !/^(cloning into|hint:|warning:)/i.test(line))
    .map((line) => line.replace(/^(fatal|error):\s*/i, ""));
  // Git wraps its hints over lines: a line starting in lower case continues the sentence before it.
  let text = "";
  for (const line of lines) {
    if (!text) text = line;
    else if (/^[a-z]/.test(line)) text += ` ${line}`;
    else text += `${/[.:!?]$/.test(text) ? "" : "."} ${line}`;
  }
  return text.replace(/[.\s]+$/, "");
}

/** Removes `user:password@` from URLs so credentials embedded in them never reach a message. */
export function redact(text: string): string {
  return text.replace(/(\b[a-z][\w+.-]*:\/\/)[^/@\s]*@/gi, "$1***@");
}

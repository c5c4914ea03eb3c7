/** Errors of the command itself (the source and pipeline errors live in `source/errors.ts` and `pipeline/errors.ts`). */

/** `--output` names a file, or a path under a file: the tutorial folder cannot be created there. */
export class OutputPathError extends Error {
  override name = "OutputPathError";
  constructor(
    readonly output: string,
    readonly blocking: string,
  ) {
    super(
      `--output ${output} cannot hold the tutorial: ${blocking === output ? "it is" : `${blocking} is`} a file, not a folder. Pass a folder (it is created if missing).`,
    );
  }
}

/** The run was stopped with Ctrl-C. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor() {
    super("Interrupted.");
  }
}

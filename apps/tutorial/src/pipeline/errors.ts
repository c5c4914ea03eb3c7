/** Base class of the errors the tutorial pipeline throws itself. */
export class PipelineError extends Error {
  override name = "PipelineError";
}

/** An option of `generateTutorial` or `planTutorial` is invalid; the message says which and what to use. */
export class PipelineConfigError extends PipelineError {
  override name = "PipelineConfigError";
}

/**
 * `resume` found a checkpoint that belongs to different inputs (other files, language or limits),
 * so continuing it would mix two tutorials.
 */
export class ResumeMismatchError extends PipelineError {
  override name = "ResumeMismatchError";
}

/**
 * A chapter was cut at the model's output cap, and neither continuing it nor asking for a shorter
 * one gave a whole chapter. Nothing is published; the message names the chapter and what to do.
 */
export class ChapterCutError extends PipelineError {
  override name = "ChapterCutError";
  constructor(
    readonly chapter: number,
    readonly chapterName: string,
    readonly maxOutputTokens: number,
  ) {
    super(
      `Chapter ${chapter} ("${chapterName}") was cut off at the model's output limit (${maxOutputTokens} tokens) even after continuing it and asking for a shorter one, so it was not published. ` +
        "Raise --max-output-tokens if the model allows longer replies, or use a model with a larger output cap.",
    );
  }
}

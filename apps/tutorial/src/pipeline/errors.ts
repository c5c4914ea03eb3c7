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

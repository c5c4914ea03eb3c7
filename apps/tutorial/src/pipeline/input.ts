import { MIN_CONTEXT_TOKENS } from "./budget.js";
import { PipelineConfigError } from "./errors.js";

/** Checks the numeric limits shared by `planTutorial` and `generateTutorial`. */
export function checkLimits(input: {
  maxAbstractions: number;
  contextTokens: number;
  maxOutputTokens?: number;
  concurrency?: number;
}): void {
  const { maxAbstractions, contextTokens, maxOutputTokens, concurrency } = input;
  if (!Number.isInteger(maxAbstractions) || maxAbstractions < 1) {
    throw new PipelineConfigError(
      `maxAbstractions must be a whole number ≥ 1 (the original's default is 10), got ${String(maxAbstractions)}.`,
    );
  }
  if (!Number.isInteger(contextTokens) || contextTokens < MIN_CONTEXT_TOKENS) {
    throw new PipelineConfigError(
      `contextTokens must be the model's context window in tokens, a whole number ≥ ${MIN_CONTEXT_TOKENS}, got ${String(contextTokens)}.`,
    );
  }
  if (maxOutputTokens !== undefined && (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 256)) {
    throw new PipelineConfigError(
      `maxOutputTokens must be the model's output cap in tokens, a whole number ≥ 256, got ${String(maxOutputTokens)}.`,
    );
  }
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new PipelineConfigError(`concurrency must be a whole number ≥ 1, got ${String(concurrency)}.`);
  }
}

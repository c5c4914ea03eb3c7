export { generateTutorial, type GenerateTutorialInput } from "./generate.js";
export { planTutorial, type TutorialPlan } from "./plan.js";
export type { ProgressEvent } from "./context.js";
export { PipelineError, PipelineConfigError, ResumeMismatchError, ChapterCutError } from "./errors.js";
export { MIN_CONTEXT_TOKENS, Tokens } from "./budget.js";
export { replyTokens, promptTokens, filesPerGroup, type ModelWindow, type CallKind } from "./limits.js";
export type { CallBudget } from "./context.js";

export { generateTutorial, type GenerateTutorialInput } from "./generate.js";
export { planTutorial, type TutorialPlan } from "./plan.js";
export type { ProgressEvent } from "./context.js";
export { PipelineError, PipelineConfigError, ResumeMismatchError } from "./errors.js";
export { estimateTokens, promptBudget, MIN_CONTEXT_TOKENS } from "./budget.js";

export { startStudio, type Studio, type StudioOptions, type FlowSource } from "./server/start.js";
export { openSaver } from "./server/open-saver.js";
export { StudioError, StudioOptionsError, CheckpointSourceError, FlowModuleError, StudioClientMissingError } from "./errors.js";
export type { StudioFlow } from "./server/actions.js";

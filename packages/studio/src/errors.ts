/** Base class of every error Studio throws itself, so `instanceof StudioError` catches them all. */
export class StudioError extends Error {
  override name = "StudioError";
}

/** A command-line option or a `startStudio` option is missing or invalid. The message says which, and what to give. */
export class StudioOptionsError extends StudioError {
  override name = "StudioOptionsError";
}

/** The `--checkpoints` target cannot be opened: missing, of an unknown kind, or its saver package is not installed. */
export class CheckpointSourceError extends StudioError {
  override name = "CheckpointSourceError";
}

/** The `--flow` module cannot be loaded, or exports no flow. */
export class FlowModuleError extends StudioError {
  override name = "FlowModuleError";
}

/**
 * The browser UI is not built where Studio serves it from: a checkout of the repository where
 * `npm ci` built the server only. The message names the command that builds it.
 */
export class StudioClientMissingError extends StudioError {
  override name = "StudioClientMissingError";
}

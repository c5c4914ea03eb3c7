/** Base class of every error create-flowlet throws: the message says what to do. */
export class CreateFlowletError extends Error {
  override name = "CreateFlowletError";
}

/** The project name is not a valid npm package name. */
export class InvalidProjectNameError extends CreateFlowletError {
  override name = "InvalidProjectNameError";
  constructor(readonly projectName: string) {
    super(
      `"${projectName}" is not a valid package name: use lowercase letters, digits, "-", "." or "_" ` +
        "(optionally @scope/name), for example: npm create flowlet my-app",
    );
  }
}

/** The target directory exists and is not empty: nothing is overwritten. */
export class TargetNotEmptyError extends CreateFlowletError {
  override name = "TargetNotEmptyError";
  constructor(readonly dir: string) {
    super(`${dir} exists and is not empty. Choose a new directory name, or empty this one first.`);
  }
}

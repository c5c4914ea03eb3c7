import { NodeError } from "flowlet";

/**
 * Runs a cookbook program's body: any error ends it with its message and exit code 1, not a stack
 * trace. A failing node's own error (NodeError's cause) is what the user needs, so that is printed.
 */
export function runMain(body: () => Promise<void>): void {
  body().catch((error: unknown) => {
    const cause = error instanceof NodeError ? error.cause : error;
    const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  });
}

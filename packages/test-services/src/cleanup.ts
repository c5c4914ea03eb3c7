/**
 * Servers still running when the process exits (a failed test, a ^C) are killed synchronously,
 * so that a crashed test run does not leave daemons behind.
 */
const killers = new Set<() => void>();
let installed = false;

export function onExit(kill: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", () => {
      for (const k of killers) {
        try {
          k();
        } catch {
          // best effort: the process is exiting
        }
      }
    });
  }
  killers.add(kill);
  return () => killers.delete(kill);
}

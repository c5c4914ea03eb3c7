/**
 * Servers still running when the process ends (a failed test, a ^C, a `kill`) are killed
 * synchronously, so that a crashed test run does not leave daemons behind.
 */
const killers = new Set<() => void>();
let installed = false;

function killAll(): void {
  for (const kill of killers) {
    try {
      kill();
    } catch {
      // best effort: the process is ending
    }
  }
  killers.clear();
}

export function onExit(kill: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", killAll);
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      // Only when nobody else handles the signal: then it would have ended the process anyway.
      if (process.listenerCount(signal) === 0) {
        process.once(signal, () => {
          killAll();
          process.exit(code);
        });
      }
    }
  }
  killers.add(kill);
  return () => killers.delete(kill);
}

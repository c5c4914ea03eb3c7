import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const studio = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * How long the first build may take: `npm ci` of Mermaid (~200 MB) into packages/studio/client, then
 * the bundle. Later runs find the build fresh and return at once.
 */
export const CLIENT_BUILD_TIMEOUT = 600_000;

/**
 * Builds Studio's browser UI into dist/client unless it is fresh, as `npm run build:client -w
 * @flowlet/studio` does: a fresh clone's `npm ci` builds the server only. The install announces
 * itself on stderr; a failure throws with the build's output.
 */
export async function buildClientIfStale(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(studio, "scripts", "build-client.mjs"), "--if-stale"], {
    cwd: studio,
    timeout: CLIENT_BUILD_TIMEOUT,
  }).then(
    ({ stderr }) => void (stderr && process.stderr.write(stderr)),
    (error: Error & { stderr?: string }) => {
      throw new Error(
        `Building Studio's browser UI failed (node packages/studio/scripts/build-client.mjs):\n${error.stderr ?? error.message}`,
      );
    },
  );
}

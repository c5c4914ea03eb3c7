import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The bench is its own project (not a root workspace), so its peers install only when it runs.
// Flowlet's packages still resolve from the repository's root install, from source.
export default defineConfig({
  resolve: { conditions: ["@flowlet/source"] },
  ssr: { resolve: { conditions: ["@flowlet/source"] } },
  test: { root: fileURLToPath(new URL(".", import.meta.url)), include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});

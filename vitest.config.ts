import { defineConfig } from "vitest/config";

// Tests import workspace packages from source through the "@flowlet/source" export condition,
// so no build is needed before `npm test`.
export default defineConfig({
  resolve: { conditions: ["@flowlet/source"] },
  ssr: { resolve: { conditions: ["@flowlet/source"] } },
  test: {
    include: ["{packages,apps,cookbook,scripts}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "packages/create-flowlet/template/**"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

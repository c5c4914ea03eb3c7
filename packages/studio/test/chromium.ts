import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium; never a browser that Playwright downloads. FLOWLET_CHROMIUM overrides the path. */
export const CHROMIUM = process.env.FLOWLET_CHROMIUM ?? "/usr/bin/chromium";

/** One headless Chromium with a fresh profile, for all of a file's browser tests. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Studio's browser tests need Chromium at ${CHROMIUM}: install the Debian package "chromium" ` +
        "(apt-get install -y chromium; .ci/run does this), or set FLOWLET_CHROMIUM to a Chromium binary.",
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "studio-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// What the browser downloads for the Runs page, then for the first Graph page (Mermaid's chunks).
// Run from the repository root, after `npm run build:client -w @flowlet/studio`:
//   npx tsx --conditions=@flowlet/source packages/studio/bench/page-weight.ts
import { Flow, MemorySaver, Node } from "flowlet";
import { startStudio } from "../src/index.js";
import { launchChromium } from "../test/chromium.js";

class Step extends Node {}
const first = new Step();
first.next(new Step()).next(new Step());
const flow = new Flow(first, { name: "Three" });
const saver = new MemorySaver();
await flow.run({}, { checkpoint: saver, runId: "weight-1" });
const studio = await startStudio({ checkpoints: saver, flow });
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  let bytes = 0;
  let files = 0;
  page.on("response", async (response) => {
    if (!response.url().includes("/assets/")) return;
    files++;
    bytes += (await response.body()).byteLength;
  });
  await page.goto(studio.url);
  await page.locator("tr.run-row").waitFor();
  await page.waitForLoadState("networkidle");
  console.log(`Runs page: ${files} files, ${(bytes / 1024).toFixed(0)} KiB of Studio's assets`);
  bytes = 0;
  files = 0;
  await page.click('a[href="#/run/weight-1/graph"]');
  await page.locator("#graph svg").waitFor();
  await page.waitForLoadState("networkidle");
  console.log(`First Graph page, added: ${files} files, ${(bytes / 1024).toFixed(0)} KiB (Mermaid's flowchart chunks)`);
} finally {
  await browser.close();
  await studio.close();
}

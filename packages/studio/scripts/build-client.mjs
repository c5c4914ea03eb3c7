// Bundles the browser UI (and Mermaid) into dist/client at build time, so users install no build
// tools and the page loads nothing from a CDN. Also importable: `buildClient(outdir)` for tests.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildClient(outdir = join(root, "dist", "client")) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(root, "src", "client", "main.ts")],
    bundle: true,
    splitting: true, // Mermaid loads each diagram kind on demand: only the flowchart chunks are fetched
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    outdir,
    entryNames: "app",
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    logLevel: "warning",
  });
  await copyFile(join(root, "src", "client", "index.html"), join(outdir, "index.html"));
  await copyFile(join(root, "src", "client", "style.css"), join(outdir, "style.css"));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await buildClient(process.argv[2]);

/** The README's example is real code: run it, and check it prints what the README says. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
});

const packageDir = fileURLToPath(new URL("..", import.meta.url));

it("runs the README's example and prints what its comments promise", async () => {
  const readme = await readFile(join(packageDir, "README.md"), "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain('from "flowlet"');
  const promised = [...(example ?? "").matchAll(/console\.log\(.*\); *\/\/ "([^"]+)"/g)].map((m) => m[1]);
  expect(promised).toHaveLength(2);

  // Under the repo's node_modules, so that `import "flowlet"` resolves as it would for a user.
  const dir = await mkdtemp(join(packageDir, "../../node_modules/.flowlet-readme-"));
  const logs = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const file = join(dir, "example.ts");
    await writeFile(file, example ?? "");
    await import(/* @vite-ignore */ file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  expect(logs.mock.calls.map((args) => args.join(" "))).toEqual(promised);
});

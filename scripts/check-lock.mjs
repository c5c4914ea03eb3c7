// Fails when a lockfile lacks another platform's optional package (npm's lockfiles drop them when
// they are regenerated over an existing node_modules). Usage: node scripts/check-lock.mjs package-lock.json…
import { readFileSync } from "node:fs";

let failures = 0;
for (const file of process.argv.slice(2)) {
  const { packages } = JSON.parse(readFileSync(file, "utf8"));
  const families = new Map();
  for (const [path, entry] of Object.entries(packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      const found = resolve(packages, path, name);
      const problem = !found
        ? "missing"
        : /^\d+\.\d+\.\d+$/.test(range) && packages[found].version !== range
          ? `at ${packages[found].version}`
          : !packages[found].integrity && !packages[found].link
            ? "without integrity"
            : undefined;
      if (problem) {
        failures++;
        console.error(`${file}: ${path || "(root)"} wants ${name}@${range}, ${problem}`);
      }
      const family = path.replace(/^.*node_modules\//, "") || "(root)";
      families.set(family, (families.get(family) ?? 0) + 1);
    }
  }
  const summary = [...families].map(([name, n]) => `${name} ${n}`).join(", ");
  console.log(`${file}: optional packages per dependency: ${summary || "none"}`);
}
if (failures) {
  console.error(
    `\n${failures} optional package(s) are not in the lockfile. Regenerate it with scripts/lock.sh; if the registry does not ` +
      "serve a release's other-platform builds, pin the newest release whose builds it serves.",
  );
  process.exit(1);
}

/** Where Node would find `name` from the package at `path`: the nearest node_modules upward. */
function resolve(packages, path, name) {
  for (let base = path; ; ) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

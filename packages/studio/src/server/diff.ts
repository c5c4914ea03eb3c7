/** One difference between two JSON values, at `path` (object keys and array indexes from the root). */
export interface Change {
  path: (string | number)[];
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** At most this many changes are listed: a diff of a huge rewrite is a summary, not a dump. */
const MAX_CHANGES = 500;

/**
 * The structural differences from `before` to `after`, objects and arrays compared key by key,
 * so a one-field change in a big store is one line.
 */
export function diffJSON(before: unknown, after: unknown): Change[] {
  const changes: Change[] = [];
  walk(before, after, [], changes);
  return changes;
}

function walk(a: unknown, b: unknown, path: (string | number)[], out: Change[]): void {
  if (out.length >= MAX_CHANGES || Object.is(a, b)) return;
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const step = Array.isArray(a) ? Number(key) : key;
      const inA = Object.hasOwn(a, key);
      const inB = Object.hasOwn(b, key);
      const va = (a as Record<string, unknown>)[key];
      const vb = (b as Record<string, unknown>)[key];
      if (!inA) out.push({ path: [...path, step], kind: "added", after: vb });
      else if (!inB) out.push({ path: [...path, step], kind: "removed", before: va });
      else walk(va, vb, [...path, step], out);
      if (out.length >= MAX_CHANGES) return;
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, kind: "changed", before: a, after: b });
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

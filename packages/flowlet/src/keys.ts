/**
 * The checkpoint key format, in one place. A key names a place in the graph that is the same in any
 * process that builds the same flow:
 * - `""` is the top flow;
 * - `"2"` its node with index 2 (in the order of `reachable`), `"2/0"` a node inside that one;
 * - `"3#7"` item `7` of the batch node at `"3"`;
 * - `"3[7]"` run `7` of the batch flow (or branch `7` of the parallel node) at `"3"`, and `"3[7]/1"` a
 *   node inside that run;
 * - `"2@before"` and `"2@after"` the breakpoints around the node at `"2"`.
 *
 * Items are named by an identity (their index unless the batch node says otherwise), so a resumed
 * batch whose input changed order still finds its finished items.
 */

/** The key of the top flow of a run. */
export const ROOT_KEY = "";

/** The key of the node at `index` in the flow at `flow`. */
export function nodeKey(flow: string, index: number): string {
  return flow === ROOT_KEY ? String(index) : `${flow}/${index}`;
}

/** The key of item `id` of the batch node at `batch`. */
export function itemKey(batch: string, id: string): string {
  return `${batch}#${escapeId(id)}`;
}

/** The key of run `id` of the batch flow at `batch`. */
export function runKey(batch: string, id: string): string {
  return `${batch}[${escapeId(id)}]`;
}

/** The key of the breakpoint before or after the node at `node`. */
export function breakpointKey(node: string, when: "before" | "after"): string {
  return `${node}@${when}`;
}

/** Whether `key` names a breakpoint. */
export function isBreakpointKey(key: string): boolean {
  return /@(before|after)$/.test(key);
}

/** Whether `key` is `place` or lies inside it (its nodes, items and runs, at any depth). */
export function isWithin(key: string, place: string): boolean {
  if (!key.startsWith(place)) return false;
  if (key.length === place.length) return true;
  const next = key[place.length];
  return next === "/" || next === "[" || next === "#" || next === "@";
}

// Identities are the user's strings: the characters that structure a key are percent-encoded.
function escapeId(id: string): string {
  return /[/[\]#%@]/.test(id) ? id.replace(/[/[\]#%@]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id;
}

/**
 * A 53-bit hash of `text` (two 32-bit multiply-xorshift lanes), in base 36: a batch item's default
 * identity. Not a security measure; collisions among one batch's items are vanishingly unlikely.
 */
export function hashText(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

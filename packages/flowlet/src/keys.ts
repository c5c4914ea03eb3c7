/**
 * The checkpoint key format, in one place. A key names a place in the graph that is the same in any
 * process that builds the same flow:
 * - `""` is the top flow;
 * - `"2"` its node with index 2 (in the order of `reachable`), `"2/0"` a node inside that one;
 * - `"3#7"` item `7` of the batch node at `"3"`;
 * - `"3[7]"` run `7` of the batch flow at `"3"`, and `"3[7]/1"` a node inside that run.
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

/** Whether `key` is `place` or lies inside it (its nodes, items and runs, at any depth). */
export function isWithin(key: string, place: string): boolean {
  if (!key.startsWith(place)) return false;
  if (key.length === place.length) return true;
  const next = key[place.length];
  return next === "/" || next === "[" || next === "#";
}

// Identities are the user's strings: the characters that structure a key are percent-encoded.
function escapeId(id: string): string {
  return /[/[\]#%]/.test(id) ? id.replace(/[/[\]#%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id;
}

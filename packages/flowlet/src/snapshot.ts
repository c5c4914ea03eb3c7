/** Plain JSON data: what checkpoints can hold, and the check that a value is only that. */
import { SnapshotError } from "./errors.js";

/** A value that survives JSON.stringify → JSON.parse unchanged. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** Checks that `value` is plain JSON data, naming the first offending path. Returns it unchanged. */
export function assertJSON(value: unknown, path: string, seen = new Set<object>()): JSONValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new SnapshotError(path, String(value));
      return value;
    case "object": {
      if (value === null) return null;
      if (seen.has(value)) throw new SnapshotError(path, "a circular reference");
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw new SnapshotError(`${path}[${i}]`, "undefined");
          assertJSON(value[i], `${path}[${i}]`, seen);
        }
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw new SnapshotError(path, `a ${value.constructor?.name ?? "class instance"}`);
        }
        for (const [key, item] of Object.entries(value)) {
          // An undefined property reads back as absent, which is the same to any reader.
          if (item !== undefined) assertJSON(item, `${path}.${key}`, seen);
        }
      }
      seen.delete(value);
      return value as JSONValue;
    }
    default:
      throw new SnapshotError(path, typeof value === "undefined" ? "undefined" : `a ${typeof value}`);
  }
}

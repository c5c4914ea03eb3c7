/** Keys whose values are secrets wherever they appear (headers, configs, tool arguments). */
const SECRET_KEY = /(^|[-_])(api[-_]?key|apikey|authorization|auth|token|secret|password|passwd|cookie|credential|private[-_]?key)s?$/i;
/** Values that look like credentials whatever their key: bearer tokens and common provider key shapes. */
const SECRET_VALUE = /\b(Bearer\s+[\w.~+/=-]{8,}|sk-[\w-]{8,}|sk_[\w-]{8,}|AIza[\w-]{20,}|xox[abpr]-[\w-]{8,}|gh[pousr]_[\w]{20,})/g;

/**
 * A copy of a JSON value with secrets replaced by "[redacted]": strings under secret-named keys,
 * and credential-shaped substrings anywhere. Studio passes every event and state through it.
 */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, "[redacted]");
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      out[key] = SECRET_KEY.test(key) && typeof inner === "string" ? "[redacted]" : redact(inner);
    return out;
  }
  return value;
}

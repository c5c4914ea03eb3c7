/** The checksum the core stores with every record: SHA-256 of the body's UTF-8 bytes, in hex. */
export async function checksumOf(body: string): Promise<string> {
  // Web Crypto is in every runtime the core supports (Node ≥ 20, Deno, Bun, browsers, workers).
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  let hex = "sha256:";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

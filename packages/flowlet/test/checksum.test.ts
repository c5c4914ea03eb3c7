import { describe, expect, it } from "vitest";
import { checksumOf } from "../src/index.js";

/** Web Crypto's SHA-256, the reference for every size (small bodies are hashed in JavaScript). */
async function reference(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

describe("checksumOf", () => {
  it("gives the standard's SHA-256 test vectors", async () => {
    expect(await checksumOf("")).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await checksumOf("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await checksumOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with Web Crypto at every padding boundary, for multi-byte text, and on both sides of the inline limit", async () => {
    const lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 2047, 2048, 2049, 5000];
    for (const length of lengths) {
      for (const unit of ["a", "é", "😀", "\u0000x"]) {
        const body = unit.repeat(length).slice(0, length);
        expect(await checksumOf(body), `${length} × ${JSON.stringify(unit)}`).toBe(await reference(body));
      }
    }
  });
});

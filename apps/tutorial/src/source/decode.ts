const BINARY_EXTENSIONS = new Set(
  (
    "png jpg jpeg gif bmp ico icns webp avif tif tiff psd svgz pdf zip gz tgz bz2 xz zst 7z rar tar jar war ear class " +
    "exe dll so dylib o a lib obj wasm node pyc pyo pyd whl egg woff woff2 ttf otf eot mp3 mp4 m4a wav ogg flac " +
    "mov avi mkv webm sqlite sqlite3 db mdb bin dat pkl npy npz h5 onnx pt ckpt safetensors parquet lockb"
  ).split(" "),
);

/** Whether the file name alone says the content is binary. */
export function hasBinaryExtension(path: string): boolean {
  const dot = path.lastIndexOf(".");
  return dot > path.lastIndexOf("/") && BINARY_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a file's bytes as text, or returns `undefined` when they look binary (a NUL byte in the
 * first 8 KiB, as git decides). Valid UTF-8 is decoded as such (BOM dropped), UTF-16 with a BOM as
 * UTF-16; anything else is taken as Latin-1 (ISO-8859-1), which never fails, so legacy files are
 * read with at worst a few odd characters instead of crashing the run.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  try {
    return utf8.decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
}

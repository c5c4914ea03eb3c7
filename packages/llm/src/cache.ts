import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RawReply } from "./providers/provider.js";

/** A reply as cached: tool arguments stay raw, so they are validated again when read back. */
export type CachedReply = RawReply;

/** Where replies are kept. Only successful, valid replies are ever stored. */
export interface LLMCache {
  get(key: string): Promise<CachedReply | undefined>;
  set(key: string, reply: CachedReply): Promise<void>;
}

/** The cache key: a hash of everything that shapes the reply (provider, URL, model, messages, options), never the API key. */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Options of {@link fileCache}. */
export interface FileCacheOptions {
  /** Told about corrupt entries, which are then ignored. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/**
 * One JSON file per entry in `dir`. Writes go to a temporary file and are renamed into place,
 * so concurrent writers (parallel batch items, several processes) never leave a torn entry.
 */
export function fileCache(dir: string, options: FileCacheOptions = {}): LLMCache {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const file = (key: string) => join(dir, `${key}.json`);
  return {
    async get(key) {
      let text: string;
      try {
        text = await readFile(file(key), "utf8");
      } catch (error) {
        if ((error as { code?: unknown }).code === "ENOENT") return undefined;
        throw error;
      }
      try {
        const entry = JSON.parse(text) as { reply?: CachedReply };
        if (isReply(entry.reply)) return entry.reply;
        throw new Error("not a cached reply");
      } catch (error) {
        warn(`@flowlet/llm: ignoring corrupt cache entry ${file(key)} (${(error as Error).message}); it will be overwritten.`);
        return undefined;
      }
    },
    async set(key, reply) {
      await mkdir(dir, { recursive: true });
      const temporary = `${file(key)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(temporary, `${JSON.stringify({ version: 1, savedAt: new Date().toISOString(), reply })}\n`);
        await rename(temporary, file(key));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

/** An in-memory cache, for tests and short scripts. */
export function memoryCache(): LLMCache {
  const entries = new Map<string, string>();
  return {
    async get(key) {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedReply);
    },
    async set(key, reply) {
      entries.set(key, JSON.stringify(reply));
    },
  };
}

function isReply(value: unknown): value is CachedReply {
  const reply = value as CachedReply | undefined;
  return typeof reply?.text === "string" && Array.isArray(reply.toolCalls) && typeof reply.usage?.inputTokens === "number";
}

/** A failed cache write must not lose a reply that was paid for: warn and carry on. */
export async function save(cache: LLMCache, key: string, reply: CachedReply): Promise<void> {
  try {
    await cache.set(key, reply);
  } catch (error) {
    console.warn(`@flowlet/llm: could not write the cache entry (${(error as Error).message}); continuing without it.`);
  }
}

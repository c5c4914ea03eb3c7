import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is: a `redis://` URL, or ioredis options. */
export type Connection = string | RedisOptions;

/**
 * A new ioredis client. `maxRetriesPerRequest: null` is what BullMQ requires of workers, and it also
 * makes our own commands wait for a reconnect rather than fail while Redis restarts.
 */
export function redisClient(connection: Connection): Redis {
  return typeof connection === "string"
    ? new Redis(connection, { maxRetriesPerRequest: null })
    : new Redis({ ...connection, maxRetriesPerRequest: null });
}

/** Redis key names of one queue, besides BullMQ's own. */
export function keys(queue: string) {
  const base = `flowlet:${queue}`;
  return {
    runs: queue,
    items: `${queue}-items`,
    cancelChannel: `${base}:cancel`,
    canceled: (runId: string) => `${base}:canceled:${runId}`,
    state: (runId: string) => `${base}:state:${runId}`,
    events: (runId: string) => `${base}:events:${runId}`,
  };
}

export type Keys = ReturnType<typeof keys>;

/** A BullMQ job id from parts that may hold any character (BullMQ reserves ":"). */
export function jobId(...parts: (string | number)[]): string {
  return parts.map((p) => encodeURIComponent(String(p))).join(".");
}

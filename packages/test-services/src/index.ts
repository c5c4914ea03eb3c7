/**
 * Real, throwaway Redis and PostgreSQL servers for tests and benchmarks: each starts on a free
 * loopback port with its own temporary data directory and is gone after `stop()`. A missing server
 * is a {@link ServiceMissingError} that says what to install, never a silent skip.
 *
 * ```ts
 * const pg = await startPostgres();
 * const saver = new PostgresSaver({ connectionString: pg.url });
 * // …
 * await pg.stop();
 * ```
 */
export { ServiceMissingError, ServiceStartError } from "./errors.js";
export { type StartPostgresOptions, postgresBinDir, startPostgres } from "./postgres.js";
export { type StartRedisOptions, startRedis, type TestRedis, type TestService } from "./redis.js";

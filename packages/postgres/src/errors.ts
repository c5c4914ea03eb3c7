import { FlowletError } from "flowlet";

/** Invalid {@link PostgresSaver} options: says which option and what it accepts. */
export class PostgresSaverConfigError extends FlowletError {
  override name = "PostgresSaverConfigError";
}

/**
 * The database's schema is newer than this package understands: another, newer `@flowlet/postgres`
 * migrated it. Upgrade this package rather than writing to a schema it does not know.
 */
export class PostgresSchemaError extends FlowletError {
  override name = "PostgresSchemaError";
}

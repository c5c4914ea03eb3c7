export { PostgresSaver, type PostgresSaverOptions } from "./saver.js";
export { PostgresSaverConfigError, PostgresSchemaError } from "./errors.js";
export { SCHEMA_VERSION } from "./migrations.js";

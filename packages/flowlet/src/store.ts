/** Store: an optional typed shared store, checked per key against Standard Schemas. */
import { ConfigError, StoreSchemaError } from "./errors.js";
import { type StandardSchemaV1, formatIssues } from "./schema.js";
import { type JSONValue, assertJSON } from "./snapshot.js";

/** A schema per key; keys without one are not checked. */
export type StoreSchema<T> = { [K in keyof T]?: StandardSchemaV1<unknown, T[K]> };

/** Called after every top-level write. */
export type StoreObserver<T> = <K extends keyof T & string>(key: K, value: T[K], previous: T[K] | undefined) => void;

/**
 * An optional typed wrapper around the shared store: every top-level write is checked against its
 * key's schema, observers see every write, and `snapshot()` refuses anything JSON would lose.
 * Plain objects work as shared stores too; use a Store when you want these guarantees.
 *
 * ```ts
 * const shared = new Store({ question: "", answers: [] as string[] }, { schema: { answers: z.array(z.string()) } });
 * shared.set("answers", ["42"]);
 * ```
 */
/** @internal The key of {@link Store}'s change tracking, for durable runs. */
export const TRACK: unique symbol = Symbol("flowlet.store.track");

export class Store<T extends Record<string, unknown>> {
  #data: T;
  /** Keys written, or read as objects (which may then change in place), since a durable run last looked. */
  #touched: Set<string> | undefined;
  readonly #schema: StoreSchema<T>;
  readonly #observers = new Set<StoreObserver<T>>();

  /** With a schema for every key, the store's type is inferred from the schemas. */
  constructor(initial: NoInfer<T>, options: { schema: { [K in keyof T]-?: StandardSchemaV1<unknown, T[K]> } });
  constructor(initial: T, options?: { schema?: StoreSchema<T> });
  constructor(initial: T, options: { schema?: StoreSchema<T> } = {}) {
    this.#schema = options.schema ?? {};
    this.#data = {} as T;
    for (const key of Object.keys(initial) as (keyof T & string)[]) this.set(key, initial[key]);
  }

  get<K extends keyof T & string>(key: K): T[K] {
    const value = this.#data[key];
    if (this.#touched && typeof value === "object" && value !== null) this.#touched.add(key);
    return value;
  }

  has(key: keyof T & string): boolean {
    return Object.hasOwn(this.#data, key);
  }

  /** Writes `value` under `key`, after its schema accepts it (a transforming schema stores its output). */
  set<K extends keyof T & string>(key: K, value: T[K]): void {
    const schema = this.#schema[key];
    let stored = value;
    if (schema) {
      const result = schema["~standard"].validate(value);
      if (result instanceof Promise) {
        throw new ConfigError(`The schema of store key "${key}" is async; a store write is synchronous, so use a synchronous schema.`);
      }
      if (result.issues) throw new StoreSchemaError(key, result.issues, formatIssues(result.issues));
      stored = result.value;
    }
    const previous = this.#data[key];
    this.#data[key] = stored;
    this.#touched?.add(key);
    for (const observe of this.#observers) observe(key, stored, previous);
  }

  /** Reads, transforms and writes back one key. */
  update<K extends keyof T & string>(key: K, fn: (value: T[K]) => T[K]): void {
    this.set(key, fn(this.#data[key]));
  }

  /** Adds a write observer; returns the function that removes it. */
  observe(observer: StoreObserver<T>): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** The data as JSON-safe plain values. Throws `SnapshotError` naming the first key JSON would lose. */
  snapshot(): { [K in keyof T]: JSONValue } {
    for (const [key, value] of Object.entries(this.#data)) if (value !== undefined) assertJSON(value, key);
    return JSON.parse(JSON.stringify(this.#data));
  }

  /** Replaces all data with `data` (e.g. a snapshot), checking each key's schema. */
  load(data: Record<string, unknown>): this {
    for (const key of Object.keys(this.#data)) this.#touched?.add(key);
    this.#data = {} as T;
    for (const [key, value] of Object.entries(data)) this.set(key as keyof T & string, value as T[keyof T & string]);
    return this;
  }

  /** A new Store from a snapshot, as an object or its JSON text. */
  static restore<T extends Record<string, unknown>>(
    json: string | Record<string, unknown>,
    options: { schema?: StoreSchema<T> } = {},
  ): Store<T> {
    const data = typeof json === "string" ? (JSON.parse(json) as T) : (json as T);
    return new Store<T>(data, options);
  }

  toJSON(): T {
    return this.#data;
  }

  /**
   * @internal Starts change tracking for a durable run: the returned set collects every key written,
   * or read as an object, from now on. The run records only those keys at its next step.
   */
  [TRACK](): Set<string> {
    this.#touched ??= new Set();
    return this.#touched;
  }
}

/**
 * @internal Starts watching `shared` for changed top-level keys; the returned function stops and
 * lists them, in key order. A Store reports every write; a plain object, each key whose value was
 * replaced or whose JSON changed (an in-place push counts).
 */
export function watchChanges(shared: unknown): () => string[] {
  if (shared instanceof Store) {
    const written = new Set<string>();
    const stop = shared.observe((key) => void written.add(key));
    return () => {
      stop();
      return [...written].sort();
    };
  }
  if (typeof shared !== "object" || shared === null) return () => [];
  const data = shared as Record<string, unknown>;
  const before = new Map(Object.keys(data).map((key) => [key, fingerprint(data[key])] as const));
  return () => {
    const keys = new Set([...before.keys(), ...Object.keys(data)]);
    return [...keys]
      .filter((key) => !Object.hasOwn(data, key) || !before.has(key) || !same(before.get(key), fingerprint(data[key])))
      .sort();
  };
}

type Fingerprint = { value: unknown; json: string | undefined };

function fingerprint(value: unknown): Fingerprint {
  let json: string | undefined;
  try {
    json = typeof value === "object" && value !== null ? JSON.stringify(value) : undefined;
  } catch {
    json = undefined; // cyclic or unserializable: compared by identity only
  }
  return { value, json };
}

function same(a: Fingerprint | undefined, b: Fingerprint): boolean {
  return a !== undefined && Object.is(a.value, b.value) && a.json === b.json;
}

/**
 * Standard Schema v1 (https://standardschema.dev), the interface zod, valibot and arktype all
 * implement. Written from the spec so this package depends on no schema library.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown, options?: Options) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
    /** Standard JSON Schema v1: present on schemas that can describe themselves (zod ≥ 4.2). */
    readonly jsonSchema?: JSONSchemaConverter | undefined;
  }
  interface Options {
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  interface JSONSchemaConverter {
    readonly input: (options: { readonly target: string }) => Record<string, unknown>;
  }
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
}

/** Validates `value`, and returns the schema's output or its issues. */
export async function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): Promise<{ value: StandardSchemaV1.InferOutput<S>; issues?: undefined } | { issues: readonly StandardSchemaV1.Issue[] }> {
  const result = await schema["~standard"].validate(value);
  if (result.issues) return { issues: result.issues };
  return { value: result.value as StandardSchemaV1.InferOutput<S> };
}

/** The JSON Schema of a Standard Schema, when its library can produce one (Standard JSON Schema v1). */
export function toJSONSchema(schema: StandardSchemaV1): Record<string, unknown> | undefined {
  const converter = schema["~standard"].jsonSchema;
  if (!converter) return undefined;
  try {
    const { $schema: _, ...rest } = converter.input({ target: "draft-07" });
    return rest;
  } catch {
    // Some types (dates, functions) have no JSON Schema: the caller asks for `parameters` instead.
    return undefined;
  }
}

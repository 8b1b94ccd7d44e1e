import type { z } from "zod";

/**
 * Parse once, trust after: a value parsed here is deep-frozen and remembered with its schema, so a
 * later parse of the very same object with the same schema returns it without validating again.
 * The engine builds a stage request (validated) and hands it to the runners' dispatch, which
 * validates its input at the package boundary: with both going through here, the second check is a
 * WeakMap lookup. Freezing is what makes that safe: the value cannot have changed since it passed.
 * Anything not sealed (a fresh object, a copy, another schema's value) is validated as usual.
 */
const sealed = new WeakMap<object, z.ZodType>();

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function seal<T>(schema: z.ZodType, value: T): T {
  if (value !== null && typeof value === "object") {
    deepFreeze(value);
    sealed.set(value, schema);
  }
  return value;
}

/** True when `value` is the frozen output of an earlier sealed parse with `schema`. */
export function isSealedBy(schema: z.ZodType, value: unknown): boolean {
  return value !== null && typeof value === "object" && sealed.get(value) === schema;
}

/** `schema.parse`, with the output deep-frozen and remembered (throws the schema's ZodError). */
export function parseSealed<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  if (isSealedBy(schema, input)) return input as z.output<S>;
  return seal(schema, schema.parse(input));
}

/** `schema.safeParse`, with a successful output deep-frozen and remembered. */
export function safeParseSealed<S extends z.ZodType>(
  schema: S,
  input: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  if (isSealedBy(schema, input)) return { success: true, data: input as z.output<S> };
  const result = schema.safeParse(input);
  if (result.success) seal(schema, result.data);
  return result as z.ZodSafeParseResult<z.output<S>>;
}

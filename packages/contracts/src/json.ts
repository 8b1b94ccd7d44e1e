/**
 * Canonical JSON: object keys sorted, no whitespace. Used for fingerprints and ids, so two
 * structurally equal values always hash the same.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      // defineProperty, not assignment: a parsed `"__proto__"` key must stay a plain own key.
      if (inner !== undefined)
        Object.defineProperty(out, key, {
          value: sortKeysDeep(inner),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }
  return value;
}

/** Typed JSON files: 2-space indent and a trailing newline, keys in declaration order. */
export function typedJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

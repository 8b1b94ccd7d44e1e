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
      if (inner === undefined) continue;
      // A parsed `"__proto__"` key must stay a plain own key: assigning it would set the prototype.
      // Every other key is assigned, which is several times faster than defineProperty on the
      // compiled plan and every event line (bench/paired-builds.mjs, compile suite).
      if (key === "__proto__")
        Object.defineProperty(out, key, {
          value: sortKeysDeep(inner),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = sortKeysDeep(inner);
    }
    return out;
  }
  return value;
}

/** Typed JSON files: 2-space indent and a trailing newline, keys in declaration order. */
export function typedJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

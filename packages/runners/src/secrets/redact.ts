import type { SecretValues } from "./collect.js";

export function redactText(text: string, secrets: SecretValues): string {
  let out = text;
  for (const [value, name] of secrets) {
    if (out.includes(value)) out = out.split(value).join(`[redacted:${name}]`);
  }
  return out;
}

/** A copy of a JSON-like value with every string redacted (keys are kept). */
export function redactJson<T>(value: T, secrets: SecretValues): T {
  if (secrets.size === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return redactText(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(item)) out[key] = walk(inner);
      return out;
    }
    return item;
  };
  return walk(value) as T;
}

import type { MillraceConfig } from "@millrace/contracts";

/** Values to redact → the label that replaces them (`[redacted:<label>]`), longest value first. */
export type SecretValues = ReadonlyMap<string, string>;

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)/i;
/** Shorter values would match ordinary text (`1`, `true`, `full`): they are never redacted. */
export const MIN_SECRET_LENGTH = 6;

/** Well-known credential formats, whatever the variable is called. */
const KEY_SHAPES: readonly RegExp[] = [
  /^sk-[A-Za-z0-9_-]{16,}$/, // OpenAI, Anthropic (sk-ant-…), many proxies
  /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$/,
  /^github_pat_[A-Za-z0-9_]{20,}$/,
  /^glpat-[A-Za-z0-9_-]{20,}$/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/,
  /^AKIA[0-9A-Z]{16}$/,
  /^AIza[0-9A-Za-z_-]{30,}$/,
];
const TOKEN_CHARS = /^[A-Za-z0-9+/=_.-]+$/;
const LONG_TOKEN = 32;

function entropyBitsPerChar(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A value that is a key by its shape: a known format, or a long random-looking token. */
export function looksLikeKey(value: string): boolean {
  if (KEY_SHAPES.some((shape) => shape.test(value))) return true;
  if (value.length < LONG_TOKEN || !TOKEN_CHARS.test(value) || /^[/.~]/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return classes >= 2 && entropyBitsPerChar(value) >= 3.5;
}

function add(found: Map<string, string>, value: string, label: string): void {
  // A multi-line value (a PEM key) is redacted line by line: streams are redacted per line.
  for (const part of value.split(/\r?\n/)) {
    const trimmed = part.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH && !found.has(trimmed)) found.set(trimmed, label);
  }
}

function longestFirst(found: Map<string, string>): Map<string, string> {
  return new Map([...found.entries()].sort((a, b) => b[0].length - a[0].length));
}

/**
 * Values of environment variables that are credentials: by name (`*KEY*`, `*TOKEN*`, `*SECRET*`,
 * `*PASSWORD*`, `*AUTH*`, …) or by value (a known key format, or a long high-entropy token).
 */
export function secretValues(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name) || looksLikeKey(value)) add(found, value, name);
  }
  return longestFirst(found);
}

/**
 * Everything a stage's artifacts must never contain: the credential values of the base environment
 * and every value set in a runner's `env` table (whatever its name; the docs promise these values
 * never reach artifacts), each at least MIN_SECRET_LENGTH characters.
 */
export function stageSecrets(
  env: Readonly<Record<string, string | undefined>>,
  config: MillraceConfig,
): Map<string, string> {
  const found = new Map(secretValues(env));
  for (const table of [config.runners.codex.env, config.runners.claude.env, config.runners.pi.env]) {
    for (const [name, value] of Object.entries(table)) add(found, value, name);
  }
  return longestFirst(found);
}

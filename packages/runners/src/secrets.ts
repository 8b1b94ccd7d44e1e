import { readFileSync, writeFileSync } from "node:fs";

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION)/i;
const MIN_SECRET_LENGTH = 6;

/** Values of environment variables whose names look secret, longest first (so overlaps redact fully). */
export function secretValues(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH || !SECRET_NAME.test(name)) continue;
    if (!found.has(value)) found.set(value, name);
  }
  return new Map([...found.entries()].sort((a, b) => b[0].length - a[0].length));
}

export function redactText(text: string, secrets: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [value, name] of secrets) {
    if (out.includes(value)) out = out.split(value).join(`[redacted:${name}]`);
  }
  return out;
}

/**
 * Rewrites captured output files that contain a secret value (an agent may echo its environment).
 * Returns the files that were changed.
 */
export function redactFiles(
  files: readonly (string | null | undefined)[],
  secrets: ReadonlyMap<string, string>,
): string[] {
  if (secrets.size === 0) return [];
  const changed: string[] = [];
  for (const file of files) {
    if (!file) continue;
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      continue;
    }
    let hit = false;
    for (const value of secrets.keys()) {
      if (content.includes(value)) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    writeFileSync(file, redactText(content.toString("utf8"), secrets));
    changed.push(file);
  }
  return changed;
}

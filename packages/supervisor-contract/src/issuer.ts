import { MillraceError } from "@millrace/contracts";

/** The issuer recorded when a caller names none. */
export const DEFAULT_ISSUER = "operator";

const MAX_ISSUER_LENGTH = 64;
const ISSUER_PATTERN = /^[a-z0-9][a-z0-9._@:-]*$/;

/**
 * Normalises an issuer name: trimmed, lower-cased, runs of whitespace become one `-`. The result
 * must start with a letter or digit, use only `a-z 0-9 . _ - @ :` and be at most 64 characters;
 * anything else (an empty name included) is refused with `issuer_invalid` (exit 2).
 * `undefined` means "not given" and yields the default issuer.
 */
export function normalizeIssuer(raw: string | undefined | null): string {
  if (raw === undefined || raw === null) return DEFAULT_ISSUER;
  const issuer = raw.trim().toLowerCase().replace(/\s+/g, "-");
  if (issuer === "") {
    throw new MillraceError("issuer_invalid", "the issuer may not be empty", {
      hint: `Pass --issuer NAME (for example --issuer ops-agent), or leave it out to act as "${DEFAULT_ISSUER}".`,
    });
  }
  if (issuer.length > MAX_ISSUER_LENGTH || !ISSUER_PATTERN.test(issuer)) {
    throw new MillraceError("issuer_invalid", `invalid issuer ${JSON.stringify(raw)}`, {
      hint: "Use letters, digits, '.', '_', '-', '@' or ':' (spaces become '-'), starting with a letter or digit, at most 64 characters.",
    });
  }
  return issuer;
}

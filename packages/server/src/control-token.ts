import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The header a control request carries its token in (a header, never a cookie: no CSRF). */
export const CONTROL_TOKEN_HEADER = "X-Millrace-Token";

/** A fresh control token: 32 random bytes as 64 hex characters, one per server start. */
export function newControlToken(): string {
  return randomBytes(32).toString("hex");
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * Whether `presented` is the token, compared in constant time. Both sides are hashed first so
 * the comparison neither leaks the token's length nor throws on a length mismatch.
 */
export function tokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token a request presents: `X-Millrace-Token: T`, or `Authorization: Bearer T`. */
export function presentedToken(
  tokenHeader: string | undefined,
  authorization: string | undefined,
): string | undefined {
  if (tokenHeader !== undefined && tokenHeader.trim() !== "") return tokenHeader.trim();
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return bearer?.[1];
}

import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

/** Work-item ids, lineage ids, rule ids, skill ids: safe to use as a single path component. */
export const SAFE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Node, stage-kind, loop, edge, terminal-state, policy and artifact ids. */
export const CANONICAL_ID_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Status and outcome tokens such as `BUILDER_COMPLETE`. */
export const STATUS_TOKEN_PATTERN = /^[A-Z][A-Z0-9_]*$/;
/** Names of overridable node fields and similar snake_case keys. */
export const OVERRIDE_NAME_PATTERN = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
export const RUN_ID_PATTERN = /^run-[0-9a-f]{32}$/;
export const REQUEST_ID_PATTERN = /^request-[0-9a-f]{32}$/;

/**
 * Why a candidate id is unsafe, or `undefined` when it is fine. Checked before an id from the command
 * line or a document touches a path (DESIGN decision 11).
 */
export function explainUnsafeId(value: string): string | undefined {
  if (value.length === 0) return "the id is empty";
  if (value !== value.trim()) return "the id has leading or trailing whitespace";
  if (value.includes("\0")) return "the id contains a NUL byte";
  if (value.includes("/") || value.includes("\\")) return "the id contains a path separator";
  if (value.includes("..")) return "the id contains '..'";
  if (value.length > 200) return "the id is longer than 200 characters";
  if (!SAFE_ID_PATTERN.test(value)) {
    return "the id must start with a letter or digit and use only letters, digits, '.', '_' and '-'";
  }
  return undefined;
}

export function isSafeId(value: string): boolean {
  return explainUnsafeId(value) === undefined;
}

export const SafeIdSchema = lazySchema(() =>
  z.string().superRefine((value, ctx) => {
    const problem = explainUnsafeId(value);
    if (problem) ctx.addIssue({ code: "custom", message: `invalid id ${JSON.stringify(value)}: ${problem}` });
  }),
);

/** Canonical ids are trimmed and lower-cased before the pattern check, like the reference. */
export const CanonicalIdSchema = lazySchema(() =>
  z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.string().regex(CANONICAL_ID_PATTERN, "must be lower-case words joined by '.', '_' or '-'")),
);

/** Status tokens are trimmed and upper-cased before the pattern check. */
export const StatusTokenSchema = lazySchema(() =>
  z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.string().regex(STATUS_TOKEN_PATTERN, "must be an upper-case token such as BUILDER_COMPLETE")),
);

export const OverrideNameSchema = lazySchema(() => z.string().regex(OVERRIDE_NAME_PATTERN));
export const RunIdSchema = lazySchema(() => z.string().regex(RUN_ID_PATTERN, "must look like run-<32 hex>"));
export const RequestIdSchema = lazySchema(() =>
  z.string().regex(REQUEST_ID_PATTERN, "must look like request-<32 hex>"),
);

/** A status marker line as written to the status files: `### TOKEN`. */
export const StatusMarkerSchema = lazySchema(() =>
  z.string().regex(/^### [A-Z][A-Z0-9_]*$/, "must look like '### TOKEN'"),
);

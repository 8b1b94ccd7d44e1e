import { z } from "zod";
import { type ConfigRange, withConfigRange } from "./config-range.js";
import { lazySchema } from "./lazy-schema.js";

const KIB = 1024;
const MIB = 1024 * 1024;

/**
 * Default byte caps on reads of workspace files the runtime did not write itself. `millrace.toml`
 * is not here: it is read before these are known, so its cap is fixed (CONFIG_FILE_MAX_BYTES).
 */
export const DEFAULT_READ_LIMITS = {
  max_document_bytes: 1 * MIB,
  max_mailbox_envelope_bytes: 2 * MIB,
  max_result_bytes: 4 * MIB,
  max_idea_bytes: 1 * MIB,
  max_body_file_bytes: 1 * MIB,
} as const;

/** The fixed cap on `millrace.toml` (and a `--config` file): the limits table is inside it. */
export const CONFIG_FILE_MAX_BYTES = 1 * MIB;

// Every cap holds a whole file in memory at once (documents are also cached and parsed), so the
// upper bounds stop a typo from re-opening the memory attack the caps exist to close.
const TEXT_CAP_RANGE: ConfigRange = { min: 4 * KIB, max: 64 * MIB, integer: true, unit: "bytes" };
const RESULT_CAP_RANGE: ConfigRange = { min: 4 * KIB, max: 256 * MIB, integer: true, unit: "bytes" };

function cap(range: ConfigRange, fallback: number, description: string) {
  return withConfigRange(z.int().positive(), range).default(fallback).describe(description);
}

export const LimitsConfigSchema = lazySchema(() =>
  z.strictObject({
    max_document_bytes: cap(
      TEXT_CAP_RANGE,
      DEFAULT_READ_LIMITS.max_document_bytes,
      "Largest queue document (task, spec, probe; read from the queue folders, imported, or rendered) in bytes; a larger one is quarantined or refused.",
    ),
    max_mailbox_envelope_bytes: cap(
      TEXT_CAP_RANGE,
      DEFAULT_READ_LIMITS.max_mailbox_envelope_bytes,
      "Largest mailbox command file in bytes; a larger one is archived to failed/ with the reason, and the CLI refuses to write one.",
    ),
    max_result_bytes: cap(
      RESULT_CAP_RANGE,
      DEFAULT_READ_LIMITS.max_result_bytes,
      "Largest agent result file (millrace_result.json, the last-message file) in bytes; a larger one fails the stage as an illegal result, unread.",
    ),
    max_idea_bytes: cap(
      TEXT_CAP_RANGE,
      DEFAULT_READ_LIMITS.max_idea_bytes,
      "Largest idea file (ideas/inbox/, add-idea) in bytes; a larger one is quarantined with the reason.",
    ),
    max_body_file_bytes: cap(
      TEXT_CAP_RANGE,
      DEFAULT_READ_LIMITS.max_body_file_bytes,
      "Largest --body-file for add-task and add-spec in bytes (the rendered document must still fit max_document_bytes).",
    ),
  }),
);

export type LimitsConfig = z.infer<typeof LimitsConfigSchema>;

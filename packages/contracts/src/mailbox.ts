import { z } from "zod";
import { MailboxCommandSchema, PlaneSchema } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/** Mailbox file names are `<command_id>.json`; ids keep only `[A-Za-z0-9._-]` and no leading/trailing dots. */
export const MAILBOX_COMMAND_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*[A-Za-z0-9_-]$|^[A-Za-z0-9_-]$/;

export function sanitizeCommandId(raw: string): string {
  return raw.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+|\.+$/g, "");
}

/** Mailbox envelopes larger than this are refused and archived to failed/. */
export const MAILBOX_MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;

export const AddIdeaPayloadSchema = lazySchema(() =>
  z.strictObject({
    source_name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.md$/, "must be a single safe file name ending in .md"),
    markdown: z.string().refine((text) => text.trim().length > 0, "must not be blank"),
  }),
);

export const RetryActivePayloadSchema = lazySchema(() =>
  z.strictObject({
    reason: z.string().optional(),
    scope: PlaneSchema.optional(),
    /** With execution lanes: retry only the item in this lane (execution scope). */
    lane: z.int().positive().optional(),
    /** With execution lanes: retry only this item, in whichever lane holds it (execution scope). */
    item: z.string().min(1).optional(),
  }),
);

export const ClearStaleStatePayloadSchema = lazySchema(() =>
  z.strictObject({
    reason: z.string().optional(),
  }),
);

/** `promote_compounding_item` / `deprecate_compounding_item`: a governed knowledge item and why. */
export const CompoundingGovernPayloadSchema = lazySchema(() =>
  z.strictObject({
    item_kind: z.enum(["procedure", "fact"]),
    item_id: z.string().min(1),
    reason: z.string().refine((text) => text.trim().length > 0, "must not be blank"),
    /** Deprecate only: the workspace item of the same kind that replaces this one. */
    replacement_id: z.string().min(1).nullish(),
  }),
);
export type CompoundingGovernPayload = z.infer<typeof CompoundingGovernPayloadSchema>;

/**
 * One control command dropped into `state/mailbox/incoming/`. The payload is validated per command
 * by the engine (documents by the queue store), so it stays an open object here.
 */
export const MailboxEnvelopeSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("mailbox_command"),
    command_id: z
      .string()
      .regex(MAILBOX_COMMAND_ID_PATTERN, "must use only letters, digits, '.', '_' and '-'"),
    command: MailboxCommandSchema,
    issued_at: TimestampSchema,
    issuer: z.string().min(1),
    payload: z.record(z.string(), z.unknown()).default({}),
  }),
);
export type MailboxEnvelope = z.infer<typeof MailboxEnvelopeSchema>;

/** What a processed or failed mailbox file becomes. */
export const MailboxArchiveSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("mailbox_archive"),
    disposition: z.enum(["processed", "failed"]),
    archived_at: TimestampSchema,
    envelope: MailboxEnvelopeSchema.optional(),
    result: z.record(z.string(), z.unknown()).default({}),
    error: z.string().optional(),
    raw_payload: z.string().optional(),
  }),
);
export type MailboxArchive = z.infer<typeof MailboxArchiveSchema>;

import { z } from "zod";
import { DocumentKindSchema, PlaneSchema } from "./enums.js";
import { ParkedWorkItemSchema } from "./governance.js";
import { SAFE_ID_PATTERN, SafeIdSchema } from "./ids.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";
import { WorkDocumentSchema } from "./work-documents.js";

/**
 * Queue bookkeeping shapes: the logs written beside queue documents, the operator intervention
 * audit records, the on-disk queue index, and the `queue ls` / `queue show` JSON answers.
 */

/** Logical queue states. On disk, incidents name their claimable folder `incoming` and success `resolved`. */
export const QUEUE_FOLDER_STATES = ["queue", "active", "done", "blocked"] as const;
export const QueueFolderStateSchema = lazySchema(() => z.enum(QUEUE_FOLDER_STATES));
export type QueueFolderState = z.infer<typeof QueueFolderStateSchema>;

/** One line of `<claimable>/<id>.requeue.jsonl` (keys written sorted). `auto` marks a runtime retry. */
export const RequeueRecordSchema = lazySchema(() =>
  z.object({
    at: TimestampSchema,
    kind: DocumentKindSchema,
    reason: z.string().min(1),
    auto: z.boolean().optional(),
    actor: z.string().optional(),
  }),
);
export type RequeueRecord = z.infer<typeof RequeueRecordSchema>;

/** One line of `<folder>/invalid-artifacts.jsonl` (keys written sorted). */
export const QuarantineRecordSchema = lazySchema(() =>
  z.object({
    at: TimestampSchema,
    source_name: z.string(),
    quarantine_name: z.string(),
    error: z.string(),
  }),
);
export type QuarantineRecord = z.infer<typeof QuarantineRecordSchema>;

export const INTERVENTION_ACTIONS = [
  "cancel",
  "archive_blocked_task",
  "supersede",
  "retarget_dependency",
  "resolve_incident",
  "cancel_incident",
  "archive_invalid_incident",
  "retry_blocked",
] as const;
export const InterventionActionSchema = lazySchema(() => z.enum(INTERVENTION_ACTIONS));
export type InterventionAction = z.infer<typeof InterventionActionSchema>;

export const SupersedeCascadeSchema = lazySchema(() => z.enum(["none", "retarget", "cancel"]));
export type SupersedeCascade = z.infer<typeof SupersedeCascadeSchema>;

/** One line of `interventions.jsonl` in the archive folder an operator intervention wrote to. */
export const OperatorInterventionRecordSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("operator_intervention").default("operator_intervention"),
    action: InterventionActionSchema,
    actor: z.string().trim().min(1, "actor is required"),
    reason: z.string().trim().min(1, "reason is required"),
    issued_at: TimestampSchema,
    applied_at: TimestampSchema,
    work_item_kind: DocumentKindSchema,
    work_item_id: z.string().min(1),
    source_state: z.string(),
    destination_state: z.string(),
    source_path: z.string(),
    destination_path: z.string(),
    replacement_work_item_id: SafeIdSchema.nullable().default(null),
    affected_dependents: z.array(SafeIdSchema).default([]),
  }),
);
export type OperatorInterventionRecord = z.infer<typeof OperatorInterventionRecordSchema>;

/** Per-document facts the queue keeps in its index so claims and listings need not parse files. */
export const QueueIndexEntrySchema = lazySchema(() =>
  z.object({
    size: z.number().int().nonnegative(),
    mtime_ms: z.number(),
    ino: z.number(),
    id: z.string(),
    title: z.string(),
    /** created_at (opened_at for incidents), as written. */
    timestamp: z.string(),
    depends_on: z.array(z.string()).default([]),
    root_spec_id: z.string().nullable().default(null),
    root_idea_id: z.string().nullable().default(null),
    spec_id: z.string().nullable().default(null),
    is_root_spec: z.boolean().default(false),
    /** Set when the file does not parse; the other facts are then placeholders. */
    error: z.string().nullable().default(null),
  }),
);
export type QueueIndexEntry = z.infer<typeof QueueIndexEntrySchema>;

/**
 * One folder of the saved queue index, kept column by column: entry `i` is the `i`-th value of
 * every column. Its file name is `<id>.md`, as the queue names every document, unless a `names`
 * column says otherwise. Columns of fields that rarely differ from their default (no dependencies,
 * no root spec, no error, ...) are left out when every value is the default, and an empty
 * dependency list is written as `null`. Arrays of plain values parse much faster than one object
 * per document, and a listing can be answered from them without building any.
 */
export const QueueIndexFolderSchema = lazySchema(() =>
  z
    .object({
      /** The folder's directory mtime (ns, as a decimal string) when the columns matched it. */
      dir_mtime_ns: z.string().regex(/^-?\d+$/),
      /** Wall-clock ms of the listing; a listing too close to the mtime is not trusted. */
      listed_at_ms: z.number(),
      /** File names as a folder listing keeps them (`*.md`, not hidden, no `/`), where not `<id>.md`. */
      names: z.array(z.string().regex(/^(?!\.)[^/\u0000]+\.md$/)).optional(),
      size: z.array(z.number().int().nonnegative()),
      mtime_ms: z.array(z.number()),
      ino: z.array(z.number()),
      /** A safe id, except where `error` is set (the id is then the file name without `.md`). */
      id: z.array(z.string()),
      title: z.array(z.string()),
      /** created_at (opened_at for incidents), as written. */
      timestamp: z.array(z.string()),
      depends_on: z.array(z.array(z.string()).nullable()).optional(),
      root_spec_id: z.array(z.string().nullable()).optional(),
      root_idea_id: z.array(z.string().nullable()).optional(),
      spec_id: z.array(z.string().nullable()).optional(),
      is_root_spec: z.array(z.boolean()).optional(),
      /** Set where a file does not parse; that entry's other facts are then placeholders. */
      error: z.array(z.string().nullable()).optional(),
    })
    .superRefine((folder, ctx) => {
      const length = folder.id.length;
      for (const [key, value] of Object.entries(folder)) {
        if (Array.isArray(value) && value.length !== length)
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} has ${value.length} values, id ${length}`,
          });
      }
      folder.id.forEach((id, i) => {
        if ((folder.error?.[i] ?? null) === null && !SAFE_ID_PATTERN.test(id))
          ctx.addIssue({ code: "custom", path: ["id", i], message: "not a safe id" });
        else if (!folder.names && !/^(?!\.)[^/\u0000]+$/.test(id))
          ctx.addIssue({ code: "custom", path: ["id", i], message: "not a file name" });
      });
    }),
);
export type QueueIndexFolder = z.infer<typeof QueueIndexFolderSchema>;

/** `millrace-agents/state/queue_index.json`: a cache, always validated against the folders. */
export const QueueIndexSchema = lazySchema(() =>
  z.object({
    schema_version: z.literal("2.0"),
    kind: z.literal("queue_index"),
    folders: z.record(z.string(), QueueIndexFolderSchema),
  }),
);
export type QueueIndex = z.infer<typeof QueueIndexSchema>;

export const QueueItemSummarySchema = lazySchema(() =>
  z.object({
    kind: DocumentKindSchema,
    id: z.string(),
    state: QueueFolderStateSchema,
    path: z.string(),
    title: z.string(),
    timestamp: z.string(),
    root_spec_id: z.string().nullable(),
    depends_on: z.array(z.string()),
    /** Present when the file does not parse. */
    error: z.string().nullable(),
  }),
);
export type QueueItemSummary = z.infer<typeof QueueItemSummarySchema>;

const PlaneCountsSchema = lazySchema(() =>
  z.object({
    execution: z.number().int(),
    planning: z.number().int(),
    learning: z.number().int(),
  }),
);

/** `queue ls --json`. */
export const QueueListingSchema = lazySchema(() =>
  z.object({
    depths: PlaneCountsSchema,
    active: PlaneCountsSchema,
    counts: z.record(DocumentKindSchema, z.record(QueueFolderStateSchema, z.number().int())),
    items: z.array(QueueItemSummarySchema),
    /** Items the filter matched, before paging: `items` holds all of them when it equals their count. */
    total: z.number().int().nonnegative(),
    /** Per folder: at most this many items of each (kind, state) folder; null when every item is listed. */
    limit: z.number().int().positive().nullable(),
    /** Per folder: this many items of each folder, in claim order, were skipped before the page. */
    offset: z.number().int().nonnegative(),
    /** The `offset` of the next page while some folder holds items past this one; null on the last page. */
    next_offset: z.number().int().positive().nullable(),
  }),
);
export type QueueListing = z.infer<typeof QueueListingSchema>;

/** `queue show <id> --json`. */
export const QueueItemDetailSchema = lazySchema(() =>
  z.object({
    kind: DocumentKindSchema,
    id: z.string(),
    state: QueueFolderStateSchema,
    path: z.string(),
    title: z.string(),
    document: WorkDocumentSchema,
    requeues: z.array(RequeueRecordSchema),
    /** Set by the CLI when the item is parked over a budget (see docs/governance.md). */
    parked: ParkedWorkItemSchema.nullable().optional(),
  }),
);
export type QueueItemDetail = z.infer<typeof QueueItemDetailSchema>;

/** What `reconcileQueue` found and did. */
export const QueueReconcileReportSchema = lazySchema(() =>
  z.object({
    temp_files_removed: z.array(z.string()),
    duplicates: z.array(
      z.object({
        id: z.string(),
        kept: z.string(),
        set_aside: z.array(z.string()),
      }),
    ),
    multiple_active: z.array(z.object({ plane: PlaneSchema, ids: z.array(z.string()) })),
    invalid_files: z.array(z.object({ path: z.string(), error: z.string() })),
  }),
);
export type QueueReconcileReport = z.infer<typeof QueueReconcileReportSchema>;

/** `add-task`, `add-spec`, `add-idea` and `queue import` with `--json`. */
export const QueueEnqueueOutputSchema = lazySchema(() =>
  z.object({
    enqueued: z.literal(true),
    kind: z.union([DocumentKindSchema, z.literal("idea")]),
    id: z.string().optional(),
    path: z.string(),
  }),
);
export type QueueEnqueueOutput = z.infer<typeof QueueEnqueueOutputSchema>;

/** `queue cancel|supersede|retarget|resolve|archive --json` (direct mode). */
export const QueueInterventionOutputSchema = lazySchema(() =>
  z.object({
    action: InterventionActionSchema,
    mode: z.enum(["direct", "mailbox"]),
    applied: z.boolean(),
    work_item_kind: DocumentKindSchema,
    work_item_id: z.string(),
    source_state: z.string(),
    destination_state: z.string(),
    source_path: z.string(),
    destination_path: z.string(),
    replacement_work_item_id: z.string().nullable(),
    affected_dependents: z.array(z.string()),
    actor: z.string(),
    reason: z.string(),
  }),
);
export type QueueInterventionOutput = z.infer<typeof QueueInterventionOutputSchema>;

import { z } from "zod";
import { PlaneSchema, WorkItemKindSchema } from "./enums.js";
import { SafeIdSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * Operator questions: a stage may end by asking the operator one question instead of guessing. It
 * reports the outcome `NEEDS_OPERATOR_INPUT` and writes `operator_question.json` into its run
 * folder; the runtime stores the question under `questions/pending/`, sets the work item aside
 * (everything else keeps flowing) and resumes it at the question edge's target once
 * `millrace interview answer|accept|skip` resolves the question.
 */

/** The outcome a stage reports when it asks the operator a question. */
export const OPERATOR_QUESTION_OUTCOME = "NEEDS_OPERATOR_INPUT";
/** The file (in the stage's run folder) that holds the question. */
export const OPERATOR_QUESTION_FILE = "operator_question.json";
/** The largest question file or question record the runtime reads, in bytes. */
export const OPERATOR_QUESTION_MAX_BYTES = 64 * 1024;
/** The longest answer an operator may give, in characters. */
export const OPERATOR_ANSWER_MAX_CHARS = 16_000;

const Text = lazySchema(() => z.string().trim().min(1).max(8000));

/** What the asking stage writes into `operator_question.json`. */
export const OperatorQuestionFileSchema = lazySchema(() =>
  z.strictObject({
    question: Text,
    why_it_matters: Text,
    recommended_answer: z.string().trim().min(1).max(8000).nullish(),
  }),
);
export type OperatorQuestionFile = z.infer<typeof OperatorQuestionFileSchema>;

/** How an operator resolves a question (`interview answer|accept|skip`). */
export const QuestionResolutionSchema = lazySchema(() => z.enum(["answered", "accepted", "skipped"]));
export type QuestionResolution = z.infer<typeof QuestionResolutionSchema>;

/**
 * How a stored question was resolved: by the operator, or `withdrawn` by the runtime when its
 * item left the queue (cancelled, archived, superseded) while the question was pending.
 */
export const StoredQuestionResolutionSchema = lazySchema(() =>
  z.enum([...QuestionResolutionSchema.options, "withdrawn"]),
);
export type StoredQuestionResolution = z.infer<typeof StoredQuestionResolutionSchema>;

export const QuestionStatusSchema = lazySchema(() => z.enum(["pending", "resolved"]));
export type QuestionStatus = z.infer<typeof QuestionStatusSchema>;

/** One question as stored under `questions/pending/<id>.json` or `questions/resolved/<id>.json`. */
export const OperatorQuestionSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("operator_question"),
    question_id: SafeIdSchema,
    status: QuestionStatusSchema,
    question: Text,
    why_it_matters: Text,
    recommended_answer: z.string().nullable(),
    plane: PlaneSchema,
    work_item_kind: WorkItemKindSchema,
    work_item_id: SafeIdSchema,
    /** The lineage the item belongs to (its closure target waits while the question is pending). */
    root_spec_id: z.string().nullable(),
    run_id: z.string().min(1),
    request_id: z.string().min(1),
    asked_by_node_id: z.string().min(1),
    asked_by_stage_kind_id: z.string().min(1),
    /** Where the item continues once the question is resolved. */
    resume_node_id: z.string().min(1),
    asked_at: TimestampSchema,
    resolution: StoredQuestionResolutionSchema.nullable(),
    /** The answer the next stages see (null when skipped or withdrawn). */
    answer: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: TimestampSchema.nullable(),
    /** Set when the item was claimed again after the resolution. */
    resumed_at: TimestampSchema.nullable(),
  }),
);
export type OperatorQuestion = z.infer<typeof OperatorQuestionSchema>;

/** `millrace interview list --json`. */
export const InterviewListingOutputSchema = lazySchema(() =>
  z.strictObject({ questions: z.array(OperatorQuestionSchema) }),
);
export type InterviewListingOutput = z.infer<typeof InterviewListingOutputSchema>;

registerPersistedSchema("operator-question", OperatorQuestionSchema);
registerPersistedSchema("interview-listing", InterviewListingOutputSchema);

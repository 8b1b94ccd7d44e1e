import { z } from "zod";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * `learning/update-candidates/{deferred,applied}/<run_id>-<work_item_id>.json`: a Curator result that
 * proposes a skill update. It is deferred while foreground work (planning or execution) runs, so a
 * skill never changes under a running stage, and marked applied at the next boundary without one.
 */
export const LearningUpdateCandidateSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("learning_update_candidate"),
    run_id: z.string().min(1),
    learning_request_id: z.string().min(1),
    stage_result_path: z.string().min(1),
    /** The skill-update artifacts the Curator reported. */
    artifact_paths: z.array(z.string().min(1)).min(1),
    status: z.enum(["deferred", "applied"]),
    created_at: TimestampSchema,
    applied_at: TimestampSchema.nullable(),
  }),
);
export type LearningUpdateCandidate = z.infer<typeof LearningUpdateCandidateSchema>;

registerPersistedSchema("learning-update-candidate", LearningUpdateCandidateSchema);

import { z } from "zod";
import { PlaneSchema } from "../enums.js";

/**
 * Pieces several runtime event payloads share. Each is a function, so that nothing is built until
 * a payload that uses it is (see runtime-events.ts: payload schemas are built on first use).
 */

export const text = () => z.string();
export const nullableText = () => z.string().nullable();

/** The fields every stage event carries: which stage of which run, on which work item. */
export const stageIdentity = () => ({
  request_id: text(),
  stage: text(),
  node_id: text(),
  stage_kind_id: text(),
  plane: PlaneSchema,
  run_id: text(),
  work_item_kind: nullableText(),
  work_item_id: nullableText(),
  troubleshoot_report_path: nullableText(),
  /** The thinking level the stage runs with; absent in events written before it was recorded. */
  thinking_level: nullableText().optional(),
});

/** Startup reconciliation findings, one event per finding, told apart by `signal`. */
export const runtimeReconciled = () =>
  z.discriminatedUnion("signal", [
    z.strictObject({
      // Processes of a stage whose daemon died (kill -9), killed before anything is re-dispatched.
      signal: z.literal("orphaned_stage_processes_reaped"),
      stage_tag: text(),
      run_dir: text(),
      killed: z.array(z.number().int()),
      survivors: z.array(z.number().int()),
      scrubbed_files: z.number().int(),
    }),
    z.strictObject({
      signal: z.literal("stray_duplicate_of_active_item"),
      work_item_id: text(),
      quarantined_from: text(),
      run_id: text(),
    }),
    z.strictObject({
      signal: z.literal("unapplied_stage_result"),
      plane: PlaneSchema,
      run_id: text(),
      request_id: text(),
    }),
    z.strictObject({
      signal: z.literal("interrupted_stage"),
      plane: PlaneSchema,
      run_id: text(),
      node_id: text(),
      request_id: text(),
    }),
    z.strictObject({
      signal: z.literal("run_without_active_document"),
      plane: PlaneSchema,
      run_id: text(),
      work_item_id: text(),
      document_state: text(),
    }),
    z.strictObject({
      signal: z.literal("stranded_active_document"),
      work_item_kind: text(),
      work_item_id: text(),
    }),
    z.strictObject({ signal: z.literal("orphaned_recovery_counters"), removed: z.int().nonnegative() }),
    z.strictObject({ signal: z.literal("invalid_status_marker"), plane: PlaneSchema, rewritten_to: text() }),
  ]);

export const curatorPromotion = () =>
  z.strictObject({
    run_id: text(),
    learning_request_id: text(),
    artifact_paths: z.array(text()),
    /** Present (true) when a deferred candidate is applied at a later boundary. */
    deferred: z.literal(true).optional(),
  });

export const mailboxDocumentApplied = () => z.strictObject({ id: text(), path: text() });

import { z } from "zod";
import { PlaneSchema, RuntimeErrorCodeSchema, WorkItemKindSchema } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";
import { planeOfStage } from "./legality.js";
import { TimestampSchema } from "./time.js";

/**
 * `state/runtime_error_context.json`: written when the runtime itself fails after a stage ran, so
 * the repair stage (troubleshooter or mechanic) is told what broke. Deleted when the repair stage
 * finishes.
 */
export const RuntimeErrorContextSchema = lazySchema(() =>
  z
    .strictObject({
      schema_version: z.literal("1.0"),
      kind: z.literal("runtime_error_context"),
      error_code: RuntimeErrorCodeSchema,
      plane: PlaneSchema,
      failed_stage: z.string().min(1),
      repair_stage: z.string().min(1),
      work_item_kind: WorkItemKindSchema.nullable().default(null),
      work_item_id: z.string().nullable().default(null),
      run_id: z.string().min(1),
      router_action: z.string().nullable().default(null),
      terminal_result: z.string().nullable().default(null),
      stage_result_path: z.string().nullable().default(null),
      report_path: z.string().min(1),
      exception_type: z.string().min(1),
      exception_message: z.string(),
      captured_at: TimestampSchema,
    })
    .superRefine((value, ctx) => {
      for (const key of ["failed_stage", "repair_stage"] as const) {
        const plane = planeOfStage(value[key]);
        if (plane !== undefined && plane !== value.plane) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${value[key]} is not a ${value.plane} stage`,
          });
        }
      }
    }),
);
export type RuntimeErrorContext = z.infer<typeof RuntimeErrorContextSchema>;

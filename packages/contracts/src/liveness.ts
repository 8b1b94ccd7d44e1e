import { z } from "zod";
import { withConfigRange } from "./config-range.js";
import { PlaneSchema } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";
import { notifyChannelKeys } from "./notify-channel.js";

/**
 * Stage liveness: whether an active stage is moving. `idle` means no stage is active; the others
 * describe one active stage (the workspace value is the most urgent of its stages).
 */
export const LIVENESS_GRADES = [
  "idle",
  "progressing",
  "quiet",
  "hung",
  "looping",
  "retry_storm",
  "orphaned",
] as const;
export const LivenessGradeSchema = lazySchema(() => z.enum(LIVENESS_GRADES));
export type LivenessGrade = z.infer<typeof LivenessGradeSchema>;

/** The grades the engine answers while a stage runs (orphaned has no engine left to answer it). */
export const ANSWERED_LIVENESS_GRADES = ["quiet", "hung", "looping", "retry_storm"] as const;
export type AnsweredLivenessGrade = (typeof ANSWERED_LIVENESS_GRADES)[number];

/**
 * What the engine does when a stage enters a grade, from mild to drastic. Each response includes
 * the milder ones: every grade change is noted, `notify` also sends the configured notifications.
 */
export const LIVENESS_RESPONSES = ["note", "notify", "pause_item", "recovery_request"] as const;
export const LivenessResponseSchema = lazySchema(() => z.enum(LIVENESS_RESPONSES));
export type LivenessResponse = z.infer<typeof LivenessResponseSchema>;

const seconds = (min: number, max: number) =>
  withConfigRange(z.number().positive(), { min, max, unit: "seconds" });
const count = (min: number, max: number, unit: string) =>
  withConfigRange(z.int().positive(), { min, max, integer: true, unit });

export const LivenessResponsesConfigSchema = lazySchema(() =>
  z.strictObject({
    quiet: LivenessResponseSchema.default("note").describe("Response when a stage goes quiet."),
    hung: LivenessResponseSchema.default("note").describe("Response when a stage is hung."),
    looping: LivenessResponseSchema.default("note").describe(
      "Response when an item keeps producing the same result.",
    ),
    retry_storm: LivenessResponseSchema.default("note").describe(
      "Response to a burst of provider or transport failures.",
    ),
  }),
);

const BaseLivenessConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Classify running stages and answer grade changes (status classifies either way)."),
    check_interval_seconds: seconds(0.2, 60)
      .default(1)
      .describe("Seconds between liveness checks while a stage runs (a few file stats per check)."),
    quiet_after_seconds: seconds(0.5, 604_800)
      .default(120)
      .describe("A live stage with no new output for this long is quiet."),
    hang_after_seconds: seconds(1, 604_800)
      .optional()
      .describe(
        "A live stage with no new output for this long is hung (default: half the stage's timeout, at least quiet_after_seconds).",
      ),
    loop_repeats: count(2, 1000, "results")
      .default(6)
      .describe("An item whose stage returned the same result this many times in a row is looping."),
    retry_storm_failures: count(2, 1000, "failures")
      .default(6)
      .describe("This many provider or transport failures within the window is a retry storm."),
    retry_storm_window_seconds: seconds(1, 86_400)
      .default(900)
      .describe("The window retry_storm_failures is counted over."),
    ...notifyChannelKeys("the"),
    responses: LivenessResponsesConfigSchema.prefault({}),
  }),
);

/** `[liveness]` in millrace.toml: thresholds and the response per grade (all next-tick keys). */
export const LivenessConfigSchema = lazySchema(() =>
  BaseLivenessConfigSchema.superRefine((config, ctx) => {
    if (config.hang_after_seconds !== undefined && config.hang_after_seconds <= config.quiet_after_seconds) {
      ctx.addIssue({
        code: "custom",
        path: ["hang_after_seconds"],
        message: `must be greater than quiet_after_seconds (${config.quiet_after_seconds})`,
      });
    }
    const notifies = config.notify_command.length > 0 || config.webhook_url !== undefined;
    for (const grade of ANSWERED_LIVENESS_GRADES) {
      if (config.responses[grade] === "notify" && !notifies) {
        ctx.addIssue({
          code: "custom",
          path: ["responses", grade],
          message: "is notify, but neither liveness.notify_command nor liveness.webhook_url is set",
        });
      }
    }
  }),
);
export type LivenessConfig = z.infer<typeof LivenessConfigSchema>;

/** Whether the stage's agent process is alive: `none` when the runner has no process (in-process). */
export const StageProcessStateSchema = lazySchema(() => z.enum(["running", "exited", "none"]));
export type StageProcessState = z.infer<typeof StageProcessStateSchema>;

/** One active stage's liveness, as `status` and the report show it. */
export const StageLivenessSchema = lazySchema(() =>
  z.strictObject({
    plane: PlaneSchema,
    run_id: z.string(),
    /** Null for a run a dead daemon left between two stages (no stage was dispatched). */
    request_id: z.string().nullable(),
    stage: z.string().nullable(),
    work_item_id: z.string().nullable(),
    grade: LivenessGradeSchema,
    reason: z.string(),
    process: StageProcessStateSchema,
    last_output_at: z.string().nullable(),
    silent_seconds: z.number().nonnegative(),
    quiet_after_seconds: z.number(),
    hang_after_seconds: z.number(),
    /** The execution lane the stage runs in (absent for a plane's stage). */
    lane: z.int().positive().optional(),
  }),
);
export type StageLiveness = z.infer<typeof StageLivenessSchema>;

/** The workspace's liveness: the most urgent stage grade (or idle), a one-line summary, each stage. */
export const LivenessReportSchema = lazySchema(() =>
  z.strictObject({
    grade: LivenessGradeSchema,
    summary: z.string(),
    stages: z.array(StageLivenessSchema),
  }),
);
export type LivenessReport = z.infer<typeof LivenessReportSchema>;

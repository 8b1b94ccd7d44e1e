import { z } from "zod";
import { withConfigRange } from "./config-range.js";
import { lazySchema } from "./lazy-schema.js";
import { notifyChannelKeys } from "./notify-channel.js";

/** `[sentinel]` in millrace.toml. Kept apart from sentinel.ts: config.ts may not import the schema registry. */

const seconds = (min: number, max: number) =>
  withConfigRange(z.number().positive(), { min, max, unit: "seconds" });
const count = (min: number, max: number, unit: string) =>
  withConfigRange(z.int().positive(), { min, max, integer: true, unit });

export const RECOVERY_TARGETS = ["troubleshoot", "mechanic"] as const;
export const RecoveryTargetSchema = lazySchema(() => z.enum(RECOVERY_TARGETS));
export type RecoveryTarget = z.infer<typeof RecoveryTargetSchema>;

export const SentinelCadenceStepSchema = lazySchema(() =>
  z.strictObject({
    after_seconds: withConfigRange(z.number().nonnegative(), {
      min: 0,
      max: 604_800,
      unit: "seconds",
    }).describe("Seconds without progress from which this step applies (the first step is 0)."),
    interval_seconds: seconds(0.1, 86_400).describe("Seconds between checks in this step."),
  }),
);
export type SentinelCadenceStep = z.infer<typeof SentinelCadenceStepSchema>;

export const DEFAULT_SENTINEL_CADENCE: readonly SentinelCadenceStep[] = [
  { after_seconds: 0, interval_seconds: 300 },
  { after_seconds: 900, interval_seconds: 450 },
  { after_seconds: 1800, interval_seconds: 600 },
  { after_seconds: 3600, interval_seconds: 1200 },
  { after_seconds: 10_800, interval_seconds: 1800 },
];

const BaseSentinelConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("When false, `sentinel check` records the status disabled and queues nothing."),
    cadence: z
      .array(SentinelCadenceStepSchema)
      .min(1)
      .default(() => DEFAULT_SENTINEL_CADENCE.map((step) => ({ ...step })))
      .describe(
        "Check interval steps: once nothing has changed for after_seconds, checks run every interval_seconds (first step after_seconds = 0).",
      ),
    no_progress_seconds: seconds(1, 604_800)
      .default(900)
      .describe(
        "An unchanged progress signature this long, while work is expected, is stale: Sentinel queues a recovery request.",
      ),
    recovery_target: RecoveryTargetSchema.default("troubleshoot").describe(
      "Where Sentinel's own recovery requests go: troubleshoot (execution) or mechanic (planning).",
    ),
    soft_cap: count(1, 1000, "requests")
      .default(2)
      .describe(
        "Recovery requests queued without progress before Sentinel waits for `sentinel acknowledge`.",
      ),
    hard_cap: count(1, 1000, "requests")
      .default(3)
      .describe(
        "Recovery requests queued without progress before Sentinel escalates and waits for acknowledgement.",
      ),
    ...notifyChannelKeys("Sentinel's"),
  }),
);

/** `[sentinel]` in millrace.toml (read at each check). */
export const SentinelConfigSchema = lazySchema(() =>
  BaseSentinelConfigSchema.superRefine((config, ctx) => {
    if (config.hard_cap < config.soft_cap) {
      ctx.addIssue({
        code: "custom",
        path: ["hard_cap"],
        message: `must be at least soft_cap (${config.soft_cap})`,
      });
    }
    if (config.cadence[0] && config.cadence[0].after_seconds !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["cadence", 0, "after_seconds"],
        message: "the first step must be 0",
      });
    }
    config.cadence.forEach((step, index) => {
      const previous = config.cadence[index - 1];
      if (previous && step.after_seconds <= previous.after_seconds) {
        ctx.addIssue({
          code: "custom",
          path: ["cadence", index, "after_seconds"],
          message: `must be greater than the previous step's (${previous.after_seconds})`,
        });
      }
    });
  }),
);
export type SentinelConfig = z.infer<typeof SentinelConfigSchema>;

export const SENTINEL_STATUSES = [
  "healthy",
  "monitoring",
  "degraded",
  "recovery_queued",
  "suppressed",
  "escalated",
  "disabled",
] as const;
export const SentinelStatusSchema = lazySchema(() => z.enum(SENTINEL_STATUSES));
export type SentinelStatus = z.infer<typeof SentinelStatusSchema>;

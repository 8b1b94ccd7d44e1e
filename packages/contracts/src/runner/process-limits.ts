import { z } from "zod";

const NonNegativeInt = z.number().int().nonnegative();

/** Process-control limits every stage process runs under. */
export const ProcessLimitsSchema = z
  .object({
    /** SIGTERM → SIGKILL grace period. */
    killGraceMs: NonNegativeInt,
    maxStdoutBytes: NonNegativeInt,
    maxStderrBytes: NonNegativeInt,
    /** Used when the request's timeout_seconds is 0. */
    defaultTimeoutSeconds: z.number().int().positive(),
  })
  .readonly();
export type ProcessLimits = z.infer<typeof ProcessLimitsSchema>;

import { z } from "zod";
import { lazySchema } from "../lazy-schema.js";

const NonNegativeInt = lazySchema(() => z.number().int().nonnegative());

/** Process-control limits every stage process runs under. */
export const ProcessLimitsSchema = lazySchema(() =>
  z
    .object({
      /** SIGTERM → SIGKILL grace period. */
      killGraceMs: NonNegativeInt,
      maxStdoutBytes: NonNegativeInt,
      maxStderrBytes: NonNegativeInt,
      /** Used when the request's timeout_seconds is 0. */
      defaultTimeoutSeconds: z.number().int().positive(),
    })
    .readonly(),
);
export type ProcessLimits = z.infer<typeof ProcessLimitsSchema>;

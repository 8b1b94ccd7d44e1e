import type { LivenessConfig } from "@millrace/contracts";

/** The numbers one stage is judged by (seconds and counts), resolved from `[liveness]`. */
export interface LivenessThresholds {
  readonly quietAfterSeconds: number;
  readonly hangAfterSeconds: number;
  readonly loopRepeats: number;
  readonly retryStormFailures: number;
  readonly retryStormWindowSeconds: number;
}

/** The stage deadline a stage without its own timeout gets (the runners' default). */
export const DEFAULT_STAGE_TIMEOUT_SECONDS = 3600;

/**
 * Resolves the thresholds for a stage. Without `hang_after_seconds`, a stage is hung after half its
 * timeout (so the hang is seen well before the deadline kills it), but never before it is quiet.
 */
export function livenessThresholds(
  config: LivenessConfig,
  stageTimeoutSeconds: number | null | undefined,
): LivenessThresholds {
  const timeout =
    stageTimeoutSeconds && stageTimeoutSeconds > 0 ? stageTimeoutSeconds : DEFAULT_STAGE_TIMEOUT_SECONDS;
  return {
    quietAfterSeconds: config.quiet_after_seconds,
    hangAfterSeconds: config.hang_after_seconds ?? Math.max(timeout / 2, config.quiet_after_seconds),
    loopRepeats: config.loop_repeats,
    retryStormFailures: config.retry_storm_failures,
    retryStormWindowSeconds: config.retry_storm_window_seconds,
  };
}

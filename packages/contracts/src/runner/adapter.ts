import type { CapabilityGrant } from "../capabilities.js";
import type { MillraceConfig } from "../config.js";
import type { RunnerRawResult, RunnerRawResultInput, StageRunRequest } from "../stage-run.js";
import type { CapabilityEnforcement, RunnerCapabilities } from "./capabilities.js";
import type { RunnerContext } from "./context.js";
import type { PreflightOptions, PreflightResult, RunnerEnvironment } from "./preflight.js";

/**
 * A runner turns one stage request into one raw result. It never routes and never touches queues;
 * it writes only into the run folder (and whatever the agent itself edits).
 */
export interface RunnerAdapter {
  readonly name: string;
  /** What this runner can enforce; absent for runners that do not say. */
  readonly capabilities?: RunnerCapabilities;
  /**
   * How this runner would honour a stage's grants (flags and per-grant support). The engine's
   * pre-dispatch gate asks it; a runner without it treats every grant as advisory. `env` is the
   * environment its agent would run in: given it, a runner may ask the host too (Codex: can its
   * sandbox run here?); without it, the verdict is the grants' alone.
   */
  enforceCapabilities?(
    grants: readonly CapabilityGrant[],
    config: MillraceConfig,
    env?: RunnerEnvironment,
  ): CapabilityEnforcement;
  run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput | RunnerRawResult>;
  /** Fast checks (executable present, credentials configured) that fail in milliseconds. */
  preflight?(
    config: MillraceConfig,
    env?: RunnerEnvironment,
    options?: PreflightOptions,
  ): Promise<PreflightResult>;
}

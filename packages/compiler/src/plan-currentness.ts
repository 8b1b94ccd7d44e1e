import {
  type CompiledRunPlan,
  type MillraceConfig,
  MillraceError,
  type PlanCurrentness,
} from "@millrace/contracts";
import { assetSourceFor } from "./asset-source.js";
import { evaluateCurrentness } from "./evaluate-currentness.js";

export interface CurrentnessOptions {
  mode?: string;
  packagedRoot?: string;
}

function currentnessOf(workspaceRoot: string, config: MillraceConfig, options: CurrentnessOptions) {
  return evaluateCurrentness(
    workspaceRoot,
    assetSourceFor(workspaceRoot, options.packagedRoot),
    config,
    options.mode,
  );
}

/** Whether `compiled_plan.json` is current, stale or missing, with one reason per difference. */
export function planCurrentness(
  workspaceRoot: string,
  config: MillraceConfig,
  options: CurrentnessOptions = {},
): PlanCurrentness {
  const { plan: _plan, ...result } = currentnessOf(workspaceRoot, config, options);
  return result;
}

/**
 * The persisted plan, only if it is current. Throws `compiled_plan_missing` / `compiled_plan_stale`
 * (exit 3) naming what changed: the engine refuses to run a stale plan until it is recompiled.
 */
export function requireCurrentPlan(
  workspaceRoot: string,
  config: MillraceConfig,
  options: CurrentnessOptions = {},
): CompiledRunPlan {
  const result = currentnessOf(workspaceRoot, config, options);
  if (result.state === "missing" || !result.plan) {
    throw new MillraceError(
      "compiled_plan_missing",
      `no usable compiled plan: ${result.reasons.join("; ")}`,
      {
        details: { reasons: result.reasons },
      },
    );
  }
  if (result.state === "stale") {
    throw new MillraceError(
      "compiled_plan_stale",
      `compiled plan ${result.plan.compiled_plan_id} is stale: ${result.reasons.join("; ")}`,
      { details: { reasons: result.reasons, expected: result.expected, persisted: result.persisted } },
    );
  }
  return result.plan;
}

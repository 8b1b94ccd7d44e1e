import {
  type CompiledRunPlan,
  type CompileInputFingerprint,
  type MillraceConfig,
  type PlanCurrentness,
  type ResolvedAsset,
  resolveModeAlias,
  structuralConfigView,
} from "@millrace/contracts";
import { type AssetSource, relFromDisplayPath } from "./asset-source.js";
import { changedConfigKeys } from "./config-diff.js";
import { assetsFingerprint, structuralConfigFingerprint } from "./fingerprints.js";
import { readCompiledPlan } from "./plan-store.js";

/** Re-resolves the plan's assets through the overlay as they are now. */
export function reresolveAssets(source: AssetSource, assets: readonly ResolvedAsset[]): ResolvedAsset[] {
  return assets.map((asset) => {
    const rel = relFromDisplayPath(asset.compile_time_path);
    const file = rel === undefined ? undefined : source.locate(rel);
    return {
      ...asset,
      compile_time_path: file?.displayPath ?? asset.compile_time_path,
      content_sha256: file ? source.sha256(file) : "missing",
    };
  });
}

/** One line per asset that went missing, moved between workspace and baseline, or changed content. */
function assetChanges(compiled: readonly ResolvedAsset[], now: readonly ResolvedAsset[]): string[] {
  const changed: string[] = [];
  compiled.forEach((before, index) => {
    const after = now[index]!;
    if (after.content_sha256 === "missing" && before.content_sha256 !== "missing") {
      changed.push(`${before.asset_family} ${before.logical_id} is missing (${before.compile_time_path})`);
    } else if (after.compile_time_path !== before.compile_time_path) {
      changed.push(
        `${before.asset_family} ${before.logical_id} now comes from ${after.compile_time_path} (was ${before.compile_time_path})`,
      );
    } else if (after.content_sha256 !== before.content_sha256) {
      changed.push(`${before.asset_family} ${before.logical_id} changed (${after.compile_time_path})`);
    }
  });
  return changed;
}

/**
 * Whether the persisted plan still matches the inputs: the mode, the structural config and the
 * content of every asset it was compiled from. Next-tick config keys are not part of this.
 */
export function evaluateCurrentness(
  workspaceRoot: string,
  source: AssetSource,
  config: MillraceConfig,
  mode?: string,
): PlanCurrentness & { plan: CompiledRunPlan | undefined } {
  const expectedMode = resolveModeAlias(mode ?? config.runtime.default_mode);
  const cfg = structuralConfigFingerprint(config);
  const read = readCompiledPlan(workspaceRoot);
  if (!read.plan) {
    return {
      state: "missing",
      reasons: [read.reason],
      compiled_plan_id: null,
      expected: { mode_id: expectedMode, config_fingerprint: cfg, assets_fingerprint: "assets-missing" },
      persisted: null,
      plan: undefined,
    };
  }
  const plan = read.plan;
  const now = reresolveAssets(source, plan.resolved_assets);
  const expected: CompileInputFingerprint = {
    mode_id: expectedMode,
    config_fingerprint: cfg,
    assets_fingerprint: assetsFingerprint(now),
  };
  const persisted = plan.compile_input_fingerprint;
  const reasons: string[] = [];
  if (persisted.mode_id !== expected.mode_id) {
    reasons.push(
      `mode changed: the plan is for ${persisted.mode_id}, the runtime expects ${expected.mode_id}`,
    );
  }
  if (persisted.config_fingerprint !== expected.config_fingerprint) {
    const keys = changedConfigKeys(plan.structural_config, structuralConfigView(config));
    reasons.push(
      keys.length > 0
        ? `structural config changed: ${keys.join(", ")}`
        : "structural config changed (the plan was compiled with a different config fingerprint)",
    );
  }
  if (persisted.assets_fingerprint !== expected.assets_fingerprint) {
    const changed = assetChanges(plan.resolved_assets, now);
    reasons.push(changed.length > 0 ? `assets changed: ${changed.join("; ")}` : "assets changed");
  }
  return {
    state: reasons.length === 0 ? "current" : "stale",
    reasons,
    compiled_plan_id: plan.compiled_plan_id,
    expected,
    persisted,
    plan,
  };
}

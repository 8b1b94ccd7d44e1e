import {
  type CompileDiagnostics,
  type CompiledRunPlan,
  type MillraceConfig,
  MillraceError,
  type PlanCurrentness,
  resolveModeAlias,
} from "@millrace/contracts";
import { packagedAssetsRoot, workspacePaths } from "@millrace/workspace";
import { AssetSource } from "./asset-source.js";
import { compileMode } from "./compile.js";
import { evaluateCurrentness } from "./currentness.js";
import { buildDiagnostics, writeCompiledPlan, writeDiagnostics } from "./plan-store.js";

export interface CompileOptions {
  /** Mode to compile (aliases resolved). Defaults to `runtime.default_mode`. */
  mode?: string;
  /**
   * A preview never writes `compiled_plan.json` or `compile_diagnostics.json`. Defaults to true
   * when `mode` differs from the configured default mode; an engine pinned to `--mode X` passes
   * `preview: false` to make X its canonical plan.
   */
  preview?: boolean;
  /** Return the persisted plan untouched when it is current (engine startup). */
  ifNeeded?: boolean;
  /** When the compile fails, refuse a last-known-good plan that is not current (engine startup). */
  refuseStaleLastKnownGood?: boolean;
  /** Clock seam for tests. */
  now?: () => Date;
  /** Packaged baseline root; defaults to the assets shipped with @millrace/workspace. */
  packagedRoot?: string;
}

export interface CompileResult {
  readonly ok: boolean;
  readonly modeId: string;
  /** The plan the runtime should use: the fresh one, the reused current one, or the last known good. */
  readonly plan: CompiledRunPlan | undefined;
  /** True when `plan` is the previous plan kept after a failed compile. */
  readonly usedLastKnownGood: boolean;
  /** True when the persisted plan was current and reused without compiling. */
  readonly reused: boolean;
  readonly preview: boolean;
  /** True when compiled_plan.json was (re)written. */
  readonly persisted: boolean;
  readonly diagnostics: CompileDiagnostics;
}

export function assetSourceFor(workspaceRoot: string, packagedRoot?: string): AssetSource {
  return new AssetSource(workspacePaths(workspaceRoot).runtimeRoot, packagedRoot ?? packagedAssetsRoot());
}

/**
 * Compiles the workspace's plan and, unless this is a preview, persists it atomically with its
 * diagnostics. A failed compile writes the diagnostics and keeps the previous plan (last known
 * good). Never throws for invalid assets: inspect `ok` / `diagnostics`, or use {@link ensureCompiledPlan}.
 */
export function compilePlan(
  workspaceRoot: string,
  config: MillraceConfig,
  options: CompileOptions = {},
): CompileResult {
  const now = options.now ?? (() => new Date());
  const defaultMode = resolveModeAlias(config.runtime.default_mode);
  const modeId = resolveModeAlias(options.mode ?? defaultMode);
  const preview = options.preview ?? modeId !== defaultMode;
  const source = assetSourceFor(workspaceRoot, options.packagedRoot);

  const needsCurrentness = !preview && (options.ifNeeded || options.refuseStaleLastKnownGood);
  const current = needsCurrentness ? evaluateCurrentness(workspaceRoot, source, config, modeId) : undefined;
  if (options.ifNeeded && current?.state === "current" && current.plan) {
    return {
      ok: true,
      modeId,
      plan: current.plan,
      usedLastKnownGood: false,
      reused: true,
      preview,
      persisted: false,
      diagnostics: buildDiagnostics(modeId, [], current.plan.compiled_plan_id, false, now()),
    };
  }

  const output = compileMode({ source, config, modeId, now: now() });
  const issues = output.issues.items;
  if (output.plan) {
    const diagnostics = buildDiagnostics(modeId, issues, output.plan.compiled_plan_id, false, now());
    if (!preview) {
      writeCompiledPlan(workspaceRoot, output.plan);
      writeDiagnostics(workspaceRoot, diagnostics);
    }
    return {
      ok: true,
      modeId,
      plan: output.plan,
      usedLastKnownGood: false,
      reused: false,
      preview,
      persisted: !preview,
      diagnostics,
    };
  }

  let lastKnownGood: CompiledRunPlan | undefined;
  if (!preview) {
    const lkg = current ?? evaluateCurrentness(workspaceRoot, source, config, modeId);
    lastKnownGood = lkg.plan;
    if (lastKnownGood && options.refuseStaleLastKnownGood && lkg.state !== "current")
      lastKnownGood = undefined;
  }
  const diagnostics = buildDiagnostics(
    modeId,
    issues,
    lastKnownGood?.compiled_plan_id ?? null,
    lastKnownGood !== undefined,
    now(),
  );
  if (!preview) writeDiagnostics(workspaceRoot, diagnostics);
  return {
    ok: false,
    modeId,
    plan: lastKnownGood,
    usedLastKnownGood: lastKnownGood !== undefined,
    reused: false,
    preview,
    persisted: false,
    diagnostics,
  };
}

/** The MillraceError for a failed compile: one summary line, every finding in `details.errors`. */
export function compileError(result: CompileResult): MillraceError {
  const first = result.diagnostics.errors[0] ?? "unknown error";
  const more = result.diagnostics.errors.length - 1;
  const notFound = result.diagnostics.issues.some((issue) => issue.code === "mode_not_found");
  return new MillraceError(
    notFound ? "mode_not_found" : "compile_failed",
    `mode ${result.modeId} does not compile: ${first}${more > 0 ? ` (and ${more} more)` : ""}`,
    {
      details: {
        mode_id: result.modeId,
        errors: result.diagnostics.errors,
        warnings: result.diagnostics.warnings,
        issues: result.diagnostics.issues,
        used_last_known_good: result.usedLastKnownGood,
      },
    },
  );
}

/**
 * Engine startup and reload: reuse the persisted plan when current, otherwise recompile; after a
 * failed compile fall back to the last known good plan only if it is still current. Throws
 * `compile_failed` when there is no usable plan.
 */
export function ensureCompiledPlan(
  workspaceRoot: string,
  config: MillraceConfig,
  options: Omit<CompileOptions, "ifNeeded" | "refuseStaleLastKnownGood"> = {},
): CompileResult & { plan: CompiledRunPlan } {
  const result = compilePlan(workspaceRoot, config, {
    ...options,
    ifNeeded: true,
    refuseStaleLastKnownGood: true,
  });
  if (!result.plan) throw compileError(result);
  return result as CompileResult & { plan: CompiledRunPlan };
}

export interface CurrentnessOptions {
  mode?: string;
  packagedRoot?: string;
}

/** Whether `compiled_plan.json` is current, stale or missing, with one reason per difference. */
export function planCurrentness(
  workspaceRoot: string,
  config: MillraceConfig,
  options: CurrentnessOptions = {},
): PlanCurrentness {
  const { plan: _plan, ...result } = evaluateCurrentness(
    workspaceRoot,
    assetSourceFor(workspaceRoot, options.packagedRoot),
    config,
    options.mode,
  );
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
  const result = evaluateCurrentness(
    workspaceRoot,
    assetSourceFor(workspaceRoot, options.packagedRoot),
    config,
    options.mode,
  );
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

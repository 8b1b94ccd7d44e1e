import {
  type CompileDiagnostics,
  type CompiledRunPlan,
  type MillraceConfig,
  resolveModeAlias,
} from "@millrace/contracts";
import { type AssetSource, assetSourceFor } from "./asset-source.js";
import { compileMode, type GrantSealer } from "./compile-mode.js";
import { evaluateCurrentness } from "./evaluate-currentness.js";
import type { CompileIssue } from "./issues.js";
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
  /**
   * Seals each node's capability grants onto it (the engine passes governance's resolver; the
   * compiler cannot import it). Without one, nodes carry `capability_grants: null`.
   */
  sealGrants?: GrantSealer;
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

/** What one compilePlan call settled before compiling: which mode, whether to write, where from. */
interface CompileRequest {
  readonly workspaceRoot: string;
  readonly config: MillraceConfig;
  readonly options: CompileOptions;
  readonly modeId: string;
  readonly preview: boolean;
  readonly source: AssetSource;
  readonly now: () => Date;
}

function freshPlanResult(req: CompileRequest, plan: CompiledRunPlan, issues: CompileIssue[]): CompileResult {
  const { workspaceRoot, modeId, preview } = req;
  const diagnostics = buildDiagnostics(modeId, issues, plan.compiled_plan_id, false, req.now());
  if (!preview) {
    writeCompiledPlan(workspaceRoot, plan);
    writeDiagnostics(workspaceRoot, diagnostics);
  }
  return {
    ok: true,
    modeId,
    plan,
    usedLastKnownGood: false,
    reused: false,
    preview,
    persisted: !preview,
    diagnostics,
  };
}

/** A failed compile keeps the previous plan (unless a preview, or refused because it is stale). */
function failedCompileResult(
  req: CompileRequest,
  issues: CompileIssue[],
  current: ReturnType<typeof evaluateCurrentness> | undefined,
): CompileResult {
  const { workspaceRoot, config, options, modeId, preview } = req;
  let lastKnownGood: CompiledRunPlan | undefined;
  if (!preview) {
    const lkg = current ?? evaluateCurrentness(workspaceRoot, req.source, config, modeId);
    lastKnownGood = lkg.plan;
    if (lastKnownGood && options.refuseStaleLastKnownGood && lkg.state !== "current")
      lastKnownGood = undefined;
  }
  const diagnostics = buildDiagnostics(
    modeId,
    issues,
    lastKnownGood?.compiled_plan_id ?? null,
    lastKnownGood !== undefined,
    req.now(),
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

/**
 * Compiles the workspace's plan and, unless this is a preview, persists it atomically with its
 * diagnostics. A failed compile writes the diagnostics and keeps the previous plan (last known
 * good). Never throws for invalid assets: inspect `ok` / `diagnostics`, or use `ensureCompiledPlan`.
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
  const req: CompileRequest = { workspaceRoot, config, options, modeId, preview, source, now };

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

  const output = compileMode({
    source,
    config,
    modeId,
    now: now(),
    ...(options.sealGrants ? { sealGrants: options.sealGrants } : {}),
  });
  const issues = output.issues.items;
  return output.plan ? freshPlanResult(req, output.plan, issues) : failedCompileResult(req, issues, current);
}

import { type CompiledRunPlan, type MillraceConfig, MillraceError } from "@millrace/contracts";
import { type CompileOptions, type CompileResult, compilePlan } from "./compile-plan.js";

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

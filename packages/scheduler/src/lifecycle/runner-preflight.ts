import {
  type CompiledRunPlan,
  compareCodeUnits,
  type MillraceConfig,
  MillraceError,
  type PreflightResult,
  type RunnerEnvironment,
} from "@millrace/contracts";
import type { RunnerRegistry } from "@millrace/runners";
import { nodesByRunner, runnersInUse } from "../doctor/plan-checks.js";

/** How long a `--version` probe may take before `run` calls the agent not runnable (a loaded machine is slow). */
const START_VERSION_TIMEOUT_MS = 10_000;

/** What a runner preflight needs: the config, the plan whose runners count, and where runners look. */
export interface PreflightScope {
  readonly config: MillraceConfig;
  readonly plan: CompiledRunPlan;
  readonly env: RunnerEnvironment;
  readonly registry: RunnerRegistry;
  readonly runtimeRoot: string;
}

/** One runner the plan uses, and what keeps it from running (empty when nothing does). */
export interface RunnerFinding {
  readonly runner: string;
  readonly usedBy: readonly string[];
  readonly problems: readonly string[];
  readonly result: PreflightResult | null;
}

/**
 * Asks every runner the plan uses (or only `only`) for its preflight: executable present, credentials
 * present and, with `probeVersion`, the executable runs and is recent enough. Never contacts a network.
 */
export async function preflightRunners(
  scope: PreflightScope,
  options: { probeVersion: boolean; only?: string },
): Promise<RunnerFinding[]> {
  const used = runnersInUse(scope.config, scope.plan);
  const nodes = nodesByRunner(scope.config, scope.plan);
  const findings: RunnerFinding[] = [];
  for (const [runner, usedBy] of [...used.entries()].sort(([a], [b]) => compareCodeUnits(a, b))) {
    if (options.only !== undefined && runner !== options.only) continue;
    if (!scope.registry.has(runner)) {
      const known = scope.registry.names().join(", ");
      findings.push({
        runner,
        usedBy,
        problems: [`runner ${runner} is not registered (known: ${known})`],
        result: null,
      });
      continue;
    }
    const adapter = scope.registry.require(runner);
    if (!adapter.preflight) {
      findings.push({ runner, usedBy, problems: [], result: null });
      continue;
    }
    const result = await adapter.preflight(scope.config, scope.env, {
      runtimeRoot: scope.runtimeRoot,
      probeVersion: options.probeVersion,
      versionTimeoutMs: START_VERSION_TIMEOUT_MS,
      stages: (nodes.get(runner) ?? []).map((node) => ({
        label: node.label,
        stage: node.stage,
        model: node.model,
        permission_profile: node.permissionProfile,
      })),
    });
    findings.push({ runner, usedBy, problems: result.ok ? [] : result.problems, result });
  }
  return findings;
}

/** `runner_preflight_failed` naming the mode, each runner that cannot run, what is missing and the fix. */
export function preflightRefusal(modeId: string, failing: readonly RunnerFinding[]): MillraceError {
  const described = failing.map((finding) => {
    const shown = finding.usedBy.slice(0, 3).join(", ");
    const more = finding.usedBy.length > 3 ? ` and ${finding.usedBy.length - 3} more` : "";
    return `runner ${finding.runner} (used by ${shown}${more}): ${finding.problems.join("; ")}`;
  });
  return new MillraceError("runner_preflight_failed", `cannot run mode ${modeId}: ${described.join("; ")}`, {
    hint: "Fix what the message names, check with `millrace doctor`, then run again; no stage was started.",
    details: {
      mode_id: modeId,
      runners: failing.map((finding) => ({ runner: finding.runner, problems: [...finding.problems] })),
    },
  });
}

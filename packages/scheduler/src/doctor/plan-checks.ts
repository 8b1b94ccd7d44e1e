import { compilePlan, planCurrentness, requireCurrentPlan } from "@millrace/compiler";
import {
  type CompiledRunPlan,
  type FullDoctorCheck,
  LANE_MERGE_STAGE_KIND,
  type MillraceConfig,
} from "@millrace/contracts";
import { sealCapabilityGrants } from "../governance/stage-grants.js";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "plan",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

const PLAN_FILE = "millrace-agents/state/compiled_plan.json";

export interface PlanCheckResult {
  readonly checks: FullDoctorCheck[];
  readonly modeId: string | null;
  /** The freshly compiled plan (a preview: nothing is written), when the mode compiles. */
  readonly plan: CompiledRunPlan | undefined;
}

/**
 * Compiles the configured mode as a preview (never persisted) and compares the persisted plan with
 * what the config and assets would produce now.
 */
export function planChecks(
  root: string,
  config: MillraceConfig,
  isRegisteredRunner: (name: string) => boolean = () => false,
  options: { readonly reuseCurrentPlan?: boolean } = {},
): PlanCheckResult {
  if (options.reuseCurrentPlan) {
    // A persisted plan that is current compiled cleanly from these very inputs: trust it instead of
    // compiling a preview (the supervisor report's fast path; `doctor` always compiles).
    try {
      const plan = requireCurrentPlan(root, config);
      const current = check("plan_current", `plan ${plan.compiled_plan_id} is current`, PLAN_FILE);
      return { checks: [current], modeId: plan.mode_id, plan };
    } catch {
      // missing or stale: the full check below says which
    }
  }
  const checks: FullDoctorCheck[] = [];
  let modeId: string | null = null;
  let plan: CompiledRunPlan | undefined;
  try {
    const result = compilePlan(root, config, { preview: true, sealGrants: sealCapabilityGrants });
    modeId = result.modeId;
    if (result.ok) plan = result.plan;
    for (const error of result.diagnostics.errors) {
      checks.push(check("plan_compile_error", `mode ${result.modeId}: ${error}`));
    }
    if (!result.ok && result.diagnostics.errors.length === 0) {
      checks.push(check("plan_compile_error", `mode ${result.modeId} does not compile`));
    }
    for (const warning of result.diagnostics.warnings) {
      // A runner the embedder registered is not a problem, even though the compiler cannot know it.
      const runner = /runner (\S+) is not one of the built-in runners/.exec(warning)?.[1];
      if (runner && isRegisteredRunner(runner)) continue;
      checks.push(check("plan_compile_warning", `mode ${result.modeId}: ${warning}`));
    }
  } catch (error) {
    checks.push(check("plan_compile_error", (error as Error).message));
  }
  try {
    const currentness = planCurrentness(root, config);
    if (currentness.state === "missing") {
      checks.push(check("plan_missing", "no compiled plan is persisted yet", PLAN_FILE));
    } else if (currentness.state === "stale") {
      checks.push(
        check(
          "plan_stale",
          `plan ${currentness.compiled_plan_id ?? "unknown"} is stale: ${currentness.reasons.join("; ") || "inputs changed"}`,
          PLAN_FILE,
        ),
      );
    } else if (!checks.some((c) => c.status === "error")) {
      checks.push(check("plan_current", `plan ${currentness.compiled_plan_id} is current`, PLAN_FILE));
    }
  } catch (error) {
    checks.push(check("plan_compile_error", (error as Error).message));
  }
  return { checks, modeId, plan };
}

/** What doctor needs of one compiled node to work out its effective permission level. */
export interface UsedNode {
  readonly label: string;
  readonly stage: string;
  readonly model: string | null;
  readonly permissionProfile: string | null;
}

/** The compiled nodes of each runner (empty when the mode does not compile). */
export function nodesByRunner(
  config: MillraceConfig,
  plan: CompiledRunPlan | undefined,
): Map<string, UsedNode[]> {
  const nodes = new Map<string, UsedNode[]>();
  if (!plan) return nodes;
  for (const graph of Object.values(plan.graphs_by_plane)) {
    if (!graph) continue;
    for (const node of graph.nodes) {
      if (!canRun(config, node.stage)) continue;
      const entry: UsedNode = {
        label: `${graph.plane}.${node.node_id}`,
        stage: node.stage,
        model: node.model_name ?? null,
        permissionProfile: node.permission_profile ?? null,
      };
      nodes.set(node.runner_name, [...(nodes.get(node.runner_name) ?? []), entry]);
    }
  }
  return nodes;
}

/**
 * Whether a node's stage can run under this config: the lane `merge` stage runs only in a lane, so
 * with `[execution] lanes = 1` its runner is neither checked nor required.
 */
function canRun(config: MillraceConfig, stage: string): boolean {
  return stage !== LANE_MERGE_STAGE_KIND || config.execution.lanes > 1;
}

/** Which runner each node uses: from the compiled plan, else from the config alone. */
export function runnersInUse(
  config: MillraceConfig,
  plan: CompiledRunPlan | undefined,
): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (runner: string, by: string) => used.set(runner, [...(used.get(runner) ?? []), by]);
  if (plan) {
    for (const graph of Object.values(plan.graphs_by_plane)) {
      if (!graph) continue;
      for (const node of graph.nodes) {
        if (canRun(config, node.stage)) add(node.runner_name, `${graph.plane}.${node.node_id}`);
      }
    }
    return used;
  }
  add(config.runners.default_runner, "runners.default_runner");
  for (const [stage, settings] of Object.entries(config.stages)) {
    if (settings.runner) add(settings.runner, `stages.${stage}`);
  }
  return used;
}

import type { CompiledRunPlan, FullDoctorCheck, MillraceConfig } from "@millrace/contracts";
import { evaluateCapabilityGate, resolveCapabilityGrants } from "@millrace/governance";
import { capabilityEnforcementOf, type RunnerRegistry, SCRIPTED_RUNNER_NAME } from "@millrace/runners";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "runners",
    status: entry.status,
    path: null,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

const FULL_ACCESS = ["--dangerously-bypass-approvals-and-sandbox", "bypassPermissions", "danger-full-access"];

/** Findings of one kind per runner: the node labels and the first reason, to name in one line. */
class Findings {
  private readonly byKey = new Map<
    string,
    { runner: string; code: DoctorCheckCode; nodes: string[]; reason: string }
  >();

  add(code: DoctorCheckCode, runner: string, node: string, reason: string): void {
    const key = `${code}/${runner}`;
    const found = this.byKey.get(key) ?? { runner, code, nodes: [], reason };
    if (!found.nodes.includes(node)) found.nodes.push(node);
    this.byKey.set(key, found);
  }

  checks(): FullDoctorCheck[] {
    return [...this.byKey.values()].map((f) =>
      check(f.code, `${f.runner}: ${f.nodes.join(", ")}: ${f.reason}`),
    );
  }
}

/**
 * What each runner makes of the compiled stages' grants, resolved as the pre-dispatch gate will:
 * a required grant that policy denies or the runner cannot honour (error), grants that are only
 * advisory on their runner (warning, naming it), and a stage granted everything, which runs with
 * no sandbox at all (warning). Approval-required grants are not findings: they wait for a person.
 */
export function capabilityChecks(
  config: MillraceConfig,
  plan: CompiledRunPlan | undefined,
  registry: RunnerRegistry,
): FullDoctorCheck[] {
  const policy = config.execution_capabilities;
  if (!policy.enabled) {
    return [
      check("capability_grants_off", "execution capabilities are off: runners use their permission levels"),
    ];
  }
  if (!plan) return [];
  const findings = new Findings();
  const enforcedBy = new Set<string>();
  for (const graph of Object.values(plan.graphs_by_plane)) {
    for (const node of graph?.nodes ?? []) {
      const adapter = registry.get(node.runner_name);
      if (!adapter) continue;
      const label = `${node.plane}.${node.node_id}`;
      const grants = resolveCapabilityGrants({
        stageKindRequests: node.capability_requests,
        target: { nodeId: node.node_id, stageKindId: node.stage_kind_id },
        config: policy,
      });
      const enforcement = capabilityEnforcementOf(adapter, grants, config);
      const gate = evaluateCapabilityGate({
        grants,
        config: policy,
        approvalStatus: () => "approved",
        support: (grant) =>
          enforcement.grants.find((s) => s.grant_id === grant.grant_id) ?? {
            support: "unsupported",
            reason: "not judged",
          },
      });
      for (const finding of gate.findings) {
        const code =
          finding.failure_class === "capability_grant_denied"
            ? "capability_denied_by_policy"
            : "capability_sandbox_unsupported";
        findings.add(code, node.runner_name, label, `${finding.capability_id}: ${finding.reason}`);
      }
      if (enforcement.flags.some((flag) => FULL_ACCESS.includes(flag))) {
        findings.add("capability_full_access", node.runner_name, label, enforcement.summary);
      } else if (enforcement.support === "advisory" && node.runner_name !== SCRIPTED_RUNNER_NAME) {
        // The scripted runner starts no agent: there is nothing a sandbox would contain.
        findings.add("capability_sandbox_advisory", node.runner_name, label, enforcement.summary);
      } else if (gate.allowed) {
        enforcedBy.add(node.runner_name);
      }
    }
  }
  const checks = findings.checks();
  if (checks.length === 0 && enforcedBy.size > 0) {
    checks.push(
      check("capability_sandbox_ok", `${[...enforcedBy].join(", ")}: every stage's grants are enforced`),
    );
  }
  return checks;
}

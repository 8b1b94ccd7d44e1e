import type { ApprovalStatus, CapabilityGrant, CapabilitySupport, GrantSupport } from "@millrace/contracts";
import type { ExecutionCapabilitiesConfig } from "./grants.js";

export type CapabilityFailureClass =
  | "capability_grant_denied"
  | "capability_approval_required"
  | "capability_grant_unsupported";

export interface GateFinding {
  readonly grant_id: string;
  readonly capability_id: string;
  readonly failure_class: CapabilityFailureClass;
  readonly reason: string;
  /** An approval is pending (or about to be requested): the stage can wait instead of failing. */
  readonly awaiting_approval: boolean;
}

export interface CapabilityGateResult {
  readonly allowed: boolean;
  /** With precedence: any denied, else any approval, else unsupported. */
  readonly failure_class?: CapabilityFailureClass;
  readonly findings: readonly GateFinding[];
  /** Approval-required grants with no approval yet: the caller creates one for each. */
  readonly approvals_to_request: readonly CapabilityGrant[];
  readonly support: readonly GrantSupport[];
}

export interface CapabilityGateInput {
  readonly grants: readonly CapabilityGrant[];
  readonly config: ExecutionCapabilitiesConfig;
  /** The status of this run's approval for a grant, if one exists. */
  readonly approvalStatus: (grant: CapabilityGrant) => ApprovalStatus | undefined;
  /** What the stage's runner can do for a granted grant (its adapter's `enforceCapabilities`). */
  readonly support: (grant: CapabilityGrant) => { support: CapabilitySupport; reason: string };
  /**
   * Set when the runner's own sandbox cannot run on this host and policy refuses to run without it:
   * the refusal's reason. Each granted required grant the runner cannot enforce is then blocked with
   * it, whatever enforcement the grant claimed.
   */
  readonly hostRefusal?: string;
}

const PRECEDENCE: readonly CapabilityFailureClass[] = [
  "capability_grant_denied",
  "capability_approval_required",
  "capability_grant_unsupported",
];

/**
 * The pure pre-dispatch gate over a stage's required grants. Optional grants never block: a
 * runner simply does not get them.
 */
export function evaluateCapabilityGate(input: CapabilityGateInput): CapabilityGateResult {
  const findings: GateFinding[] = [];
  const toRequest: CapabilityGrant[] = [];
  const support: GrantSupport[] = [];
  const block = (
    grant: CapabilityGrant,
    failure_class: CapabilityFailureClass,
    reason: string,
    awaiting_approval = false,
  ) =>
    findings.push({
      grant_id: grant.grant_id,
      capability_id: grant.capability_id,
      failure_class,
      reason,
      awaiting_approval,
    });
  for (const grant of input.grants) {
    if (!grant.required) continue;
    switch (grant.decision_state) {
      case "denied":
        block(grant, "capability_grant_denied", grant.decision_reason);
        break;
      case "unsupported":
        block(grant, "capability_grant_unsupported", grant.decision_reason);
        break;
      case "approval_required": {
        const status = input.approvalStatus(grant);
        if (status === "approved") break;
        if (status === undefined) toRequest.push(grant);
        const waiting = status === undefined || status === "pending";
        if (status === "denied") block(grant, "capability_grant_denied", "the approval was denied");
        else
          block(
            grant,
            "capability_approval_required",
            waiting ? "waiting for approval" : `the approval is ${status}`,
            waiting,
          );
        break;
      }
      case "granted": {
        const verdict = input.support(grant);
        support.push({ grant_id: grant.grant_id, capability_id: grant.capability_id, ...verdict });
        if (input.hostRefusal !== undefined && verdict.support !== "enforced")
          block(grant, "capability_grant_unsupported", input.hostRefusal);
        else if (verdict.support === "unsupported")
          block(grant, "capability_grant_unsupported", verdict.reason);
        else if (verdict.support === "advisory" && grant.enforcement_mode !== "advisory_only")
          block(
            grant,
            "capability_grant_unsupported",
            `the grant needs enforcement, the runner offers advisory only: ${verdict.reason}`,
          );
        else if (verdict.support === "advisory" && input.config.fail_required_advisory)
          block(
            grant,
            "capability_grant_unsupported",
            `advisory only and execution_capabilities.fail_required_advisory is true: ${verdict.reason}`,
          );
        break;
      }
    }
  }
  const failure_class = PRECEDENCE.find((cls) => findings.some((f) => f.failure_class === cls));
  return {
    allowed: findings.length === 0,
    ...(failure_class ? { failure_class } : {}),
    findings,
    approvals_to_request: toRequest,
    support,
  };
}

import { createHash } from "node:crypto";
import {
  type CapabilityApproval,
  type CapabilityGrant,
  CapabilityGrantSchema,
  type CapabilityId,
  type CapabilityRequest,
  type CapabilityRequestInput,
  CapabilityRequestSchema,
  canonicalJson,
  type MillraceConfig,
  MillraceError,
} from "@millrace/contracts";

export type ExecutionCapabilitiesConfig = MillraceConfig["execution_capabilities"];
type PolicyDecision = "allow" | "deny" | "approval_required";

/** Capabilities every stage has by nature of being a stage; policy never needs to list them. */
export const INTRINSIC_CAPABILITIES: readonly CapabilityId[] = [
  "workspace.read",
  "artifact.read",
  "artifact.write",
  "runner.invoke",
  "git.read",
  "evidence.emit",
  "approval.request",
];

const CONFIGURED: Partial<Record<CapabilityId, keyof ExecutionCapabilitiesConfig["defaults"]>> = {
  "network.access": "network_access",
  "package.install": "package_install",
  "git.mutate": "git_mutate",
  "shell.run": "shell_run",
  "workspace.write": "workspace_write",
};

/** The policy decision for a capability: its `[execution_capabilities.defaults]` key, else intrinsic, else `default_unknown_capability`. */
export function policyDecision(
  capability: CapabilityId,
  config: ExecutionCapabilitiesConfig,
): { decision: PolicyDecision; source: string } {
  const key = CONFIGURED[capability];
  if (key) return { decision: config.defaults[key], source: `execution_capabilities.defaults.${key}` };
  if (INTRINSIC_CAPABILITIES.includes(capability)) return { decision: "allow", source: "intrinsic" };
  return {
    decision: config.default_unknown_capability,
    source: "execution_capabilities.default_unknown_capability",
  };
}

function safePart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** `grant-` + the first 12 hex of the sha256 of the grant's canonical JSON (fingerprint excluded). */
export function grantFingerprint(grant: Omit<CapabilityGrant, "fingerprint">): string {
  return `grant-${createHash("sha256").update(canonicalJson(grant)).digest("hex").slice(0, 12)}`;
}

export interface GrantTarget {
  readonly nodeId: string;
  readonly stageKindId: string;
}

function grantFor(
  request: CapabilityRequest,
  target: GrantTarget,
  config: ExecutionCapabilitiesConfig,
  evidence: readonly string[],
): CapabilityGrant {
  const { decision, source } = config.enabled
    ? policyDecision(request.capability_id, config)
    : { decision: "allow" as const, source: "execution_capabilities.enabled" };
  const claimed = request.requires_enforcement ? ("runner_enforced" as const) : ("advisory_only" as const);
  let state: CapabilityGrant["decision_state"] =
    decision === "allow" ? "granted" : decision === "deny" ? "denied" : "approval_required";
  let reason = !config.enabled
    ? "execution capabilities are disabled: granted, advisory"
    : `${decision} by ${source}`;
  if (state === "granted" && claimed === "advisory_only" && config.enabled && !config.allow_advisory_grants) {
    state = "unsupported";
    reason = "an advisory grant is refused by execution_capabilities.allow_advisory_grants = false";
  }
  const granted = state === "granted";
  const base = {
    ...request,
    grant_id: `grant.${safePart(target.nodeId)}.${safePart(request.request_id)}`,
    decision_state: state,
    enforcement_mode: granted
      ? config.enabled
        ? claimed
        : ("advisory_only" as const)
      : ("not_applicable" as const),
    approval_policy_ref:
      state === "approval_required"
        ? {
            policy_id: source,
            gate_scope: "stage" as const,
            expiration_seconds: null,
            required_decision: "approved" as const,
          }
        : null,
    evidence_requirements: [...evidence],
    evidence_status: granted && evidence.length > 0 ? ("pending" as const) : ("not_required" as const),
    decision_reason: reason,
    resolved_by: "policy",
  };
  return CapabilityGrantSchema.parse({ ...base, fingerprint: grantFingerprint(base) });
}

/**
 * Turns a stage kind's (or node's) capability requests into sealed grants under the
 * `[execution_capabilities]` policy. A node's own request replaces the stage kind's request with
 * the same `request_id`. Unknown capability ids are refused by name.
 */
export function resolveCapabilityGrants(input: {
  readonly stageKindRequests?: readonly CapabilityRequestInput[];
  readonly nodeRequests?: readonly CapabilityRequestInput[];
  readonly target: GrantTarget;
  readonly config: ExecutionCapabilitiesConfig;
  readonly evidenceRequirements?: Readonly<Record<string, readonly string[]>>;
}): CapabilityGrant[] {
  const byId = new Map<string, CapabilityRequest>();
  const parse = (raw: CapabilityRequestInput, origin: string) => {
    const parsed = CapabilityRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MillraceError(
        "compile_failed",
        `${origin} capability request ${JSON.stringify(raw.request_id ?? "")}: ${issue?.path.join(".") || "request"} ${issue?.message ?? "is invalid"}`,
        {
          details: { node_id: input.target.nodeId, request: raw },
        },
      );
    }
    byId.set(parsed.data.request_id, parsed.data);
  };
  for (const raw of input.stageKindRequests ?? []) parse(raw, `stage kind ${input.target.stageKindId}`);
  for (const raw of input.nodeRequests ?? []) parse(raw, `node ${input.target.nodeId}`);
  return [...byId.values()].map((request) =>
    grantFor(request, input.target, input.config, input.evidenceRequirements?.[request.request_id] ?? []),
  );
}

/**
 * An approval_required grant once its approval is approved: granted, with the approval named as
 * the resolver (and a new fingerprint). Any other grant is returned as it is.
 */
export function approvedGrant(grant: CapabilityGrant, approval: CapabilityApproval): CapabilityGrant {
  if (grant.decision_state !== "approval_required" || approval.status !== "approved") return grant;
  const { fingerprint: _old, ...rest } = grant;
  const base = {
    ...rest,
    decision_state: "granted" as const,
    enforcement_mode: grant.requires_enforcement ? ("runner_enforced" as const) : ("advisory_only" as const),
    evidence_status:
      grant.evidence_requirements.length > 0 ? ("pending" as const) : ("not_required" as const),
    decision_reason: `approved by ${approval.decided_by ?? "unknown"} (${approval.approval_id})`,
    resolved_by: `approval:${approval.approval_id}`,
  };
  return CapabilityGrantSchema.parse({ ...base, fingerprint: grantFingerprint(base) });
}

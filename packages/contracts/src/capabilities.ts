import { z } from "zod";
import { PlaneSchema, WorkItemKindSchema } from "./enums.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * Execution capabilities: what a stage asks to do (requests), what policy decided (grants), and
 * the approval objects under `approvals/{pending,resolved}/`.
 */

export const CAPABILITY_IDS = [
  "workspace.read",
  "workspace.write",
  "artifact.read",
  "artifact.write",
  "runner.invoke",
  "shell.run",
  "git.read",
  "git.mutate",
  "package.install",
  "network.access",
  "approval.request",
  "evidence.emit",
  "runtime.control",
] as const;
export type CapabilityId = (typeof CAPABILITY_IDS)[number];

/** `git_mutate` and `git.mutate` name the same capability; anything else outside the set is refused. */
export function normalizeCapabilityId(value: string): CapabilityId | undefined {
  const dotted = value.trim().replace("_", ".");
  return (CAPABILITY_IDS as readonly string[]).includes(dotted) ? (dotted as CapabilityId) : undefined;
}

export const CapabilityIdSchema = lazySchema(() =>
  z
    .string()
    .transform((value, ctx) => {
      const id = normalizeCapabilityId(value);
      if (id === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `unknown capability ${JSON.stringify(value)}; use one of ${CAPABILITY_IDS.join(", ")}`,
        });
        return z.NEVER;
      }
      return id;
    })
    .pipe(z.enum(CAPABILITY_IDS)),
);

export const CapabilityAccessSchema = lazySchema(() =>
  z.enum(["read", "write", "execute", "mutate", "request", "emit"]),
);
export type CapabilityAccess = z.infer<typeof CapabilityAccessSchema>;

export const RUNTIME_ACTIONS = [
  "enqueue",
  "pause",
  "resume",
  "cancel",
  "retry",
  "repair",
  "approve",
  "deny",
  "reload_config",
] as const;

export const CapabilityScopeKindSchema = lazySchema(() =>
  z.enum([
    "workspace",
    "workspace_path",
    "artifact_kind",
    "artifact_ref",
    "runner",
    "command_class",
    "git_action",
    "package_manager",
    "network_class",
    "approval_policy_ref",
    "runtime_action",
  ]),
);
export type CapabilityScopeKind = z.infer<typeof CapabilityScopeKindSchema>;

export const CapabilityScopeSchema = lazySchema(() =>
  z
    .object({
      kind: CapabilityScopeKindSchema,
      value: z.string().default(""),
      metadata: z.record(z.string(), z.unknown()).default({}),
    })
    .superRefine((scope, ctx) => {
      if (scope.kind === "workspace_path") {
        const parts = scope.value.split(/[\\/]/);
        if (scope.value.startsWith("/") || /^[A-Za-z]:/.test(scope.value) || parts.includes("..")) {
          ctx.addIssue({ code: "custom", message: "a workspace_path scope is relative and has no '..'" });
        }
      }
      if (scope.kind === "runtime_action" && !(RUNTIME_ACTIONS as readonly string[]).includes(scope.value)) {
        ctx.addIssue({
          code: "custom",
          message: `runtime_action must be one of ${RUNTIME_ACTIONS.join(", ")}`,
        });
      }
    }),
);
export type CapabilityScope = z.infer<typeof CapabilityScopeSchema>;

export const CapabilityRequestSchema = lazySchema(() =>
  z.object({
    request_id: z.string().min(1),
    capability_id: CapabilityIdSchema,
    access: CapabilityAccessSchema,
    scope: CapabilityScopeSchema.prefault({ kind: "workspace" }),
    required: z.boolean().default(true),
    /** The stage needs the capability enforced by its runner, not merely declared. */
    requires_enforcement: z.boolean().default(false),
    reason: z.string().default(""),
    requested_by: z.string().default("stage"),
    policy_source: z.string().nullish(),
  }),
);
export type CapabilityRequest = z.infer<typeof CapabilityRequestSchema>;
export type CapabilityRequestInput = z.input<typeof CapabilityRequestSchema>;

export const GrantDecisionStateSchema = lazySchema(() =>
  z.enum(["granted", "denied", "approval_required", "unsupported"]),
);
export type GrantDecisionState = z.infer<typeof GrantDecisionStateSchema>;

export const EnforcementModeSchema = lazySchema(() =>
  z.enum([
    "runner_enforced",
    "runtime_enforced",
    "adapter_enforced",
    "external_api_enforced",
    "advisory_only",
    "not_applicable",
  ]),
);
export type EnforcementMode = z.infer<typeof EnforcementModeSchema>;

export const EvidenceStatusSchema = lazySchema(() =>
  z.enum(["not_required", "pending", "satisfied", "missing", "waived", "violated"]),
);
export type EvidenceStatus = z.infer<typeof EvidenceStatusSchema>;

export const ApprovalPolicyRefSchema = lazySchema(() =>
  z.object({
    policy_id: z.string().min(1),
    gate_scope: z.enum(["stage", "run", "work_item"]).default("stage"),
    expiration_seconds: z.number().positive().nullish(),
    required_decision: z.literal("approved").default("approved"),
  }),
);
export type ApprovalPolicyRef = z.infer<typeof ApprovalPolicyRefSchema>;

export const CapabilityGrantSchema = lazySchema(() =>
  CapabilityRequestSchema.extend({
    grant_id: z.string().min(1),
    decision_state: GrantDecisionStateSchema,
    enforcement_mode: EnforcementModeSchema,
    approval_policy_ref: ApprovalPolicyRefSchema.nullable().default(null),
    evidence_requirements: z.array(z.string()).default([]),
    evidence_status: EvidenceStatusSchema,
    decision_reason: z.string(),
    resolved_by: z.string(),
    fingerprint: z.string().regex(/^grant-[0-9a-f]{12}$/),
  }).superRefine((grant, ctx) => {
    if (grant.decision_state !== "granted" && grant.enforcement_mode !== "not_applicable") {
      ctx.addIssue({
        code: "custom",
        message: "a grant that is not granted has enforcement_mode not_applicable",
        path: ["enforcement_mode"],
      });
    }
    if (grant.decision_state === "approval_required" && grant.approval_policy_ref === null) {
      ctx.addIssue({
        code: "custom",
        message: "an approval_required grant names its approval_policy_ref",
        path: ["approval_policy_ref"],
      });
    }
  }),
);
export type CapabilityGrant = z.infer<typeof CapabilityGrantSchema>;

export const ApprovalStatusSchema = lazySchema(() =>
  z.enum(["pending", "approved", "denied", "expired", "cancelled"]),
);
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

export const CapabilityApprovalSchema = lazySchema(() =>
  z.object({
    kind: z.literal("execution_capability_approval"),
    approval_id: z.string().regex(/^approval-[A-Za-z0-9._-]+-[0-9a-f]{8}$/),
    status: ApprovalStatusSchema,
    workspace_id: z.string(),
    run_id: z.string().min(1),
    request_id: z.string().min(1),
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: z.string().nullable(),
    plane: PlaneSchema,
    node_id: z.string().min(1),
    stage_kind_id: z.string().min(1),
    grant_id: z.string().min(1),
    capability_id: z.enum(CAPABILITY_IDS),
    reason: z.string(),
    requested_by: z.string(),
    decided_by: z.string().nullable(),
    created_at: TimestampSchema,
    decided_at: TimestampSchema.nullable(),
    expires_at: TimestampSchema.nullable(),
    decision_reason: z.string().nullable(),
    grant: CapabilityGrantSchema,
    metadata: z.record(z.string(), z.unknown()).default({}),
  }),
);
export type CapabilityApproval = z.infer<typeof CapabilityApprovalSchema>;

registerPersistedSchema("capability-grant", CapabilityGrantSchema);
registerPersistedSchema("capability-approval", CapabilityApprovalSchema);

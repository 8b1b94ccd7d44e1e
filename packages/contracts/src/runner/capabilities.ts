import { z } from "zod";
import { GrantDecisionStateSchema } from "../capabilities.js";
import { registerPersistedSchema } from "../json-schema.js";
import { lazySchema } from "../lazy-schema.js";
import { TimestampSchema } from "../time.js";

/**
 * How far a runner can hold an agent to a control: `enforced` (the agent CLI or its sandbox refuses
 * what is not allowed), `advisory` (the setting is accepted and recorded, but nothing stops the
 * agent), `unsupported` (the runner has no such control).
 */
export const CapabilitySupportSchema = lazySchema(() => z.enum(["enforced", "advisory", "unsupported"]));
export type CapabilitySupport = z.infer<typeof CapabilitySupportSchema>;

/** What a runner can enforce, declared by its adapter (doctor and embedders read it; nothing is probed). */
export const RunnerCapabilitiesSchema = lazySchema(() =>
  z
    .object({
      /** Each permission level a stage can select, and whether the runner makes it binding. */
      permission_levels: z
        .object({
          basic: CapabilitySupportSchema,
          elevated: CapabilitySupportSchema,
          maximum: CapabilitySupportSchema,
        })
        .readonly(),
      /** File-system confinement of the agent's commands. */
      sandbox: CapabilitySupportSchema,
      /** Whether the agent's network access can be cut off. */
      network_control: CapabilitySupportSchema,
      /** Whether the set of tools the agent may use can be limited. */
      tool_allow_list: CapabilitySupportSchema,
    })
    .readonly(),
);
export type RunnerCapabilities = z.infer<typeof RunnerCapabilitiesSchema>;

/** How a runner honours one granted capability: enforced by its own controls, or advisory only. */
export const GrantSupportSchema = lazySchema(() =>
  z.strictObject({
    grant_id: z.string(),
    capability_id: z.string(),
    support: CapabilitySupportSchema,
    reason: z.string(),
  }),
);
export type GrantSupport = z.infer<typeof GrantSupportSchema>;

/**
 * What a runner makes of a stage's grants: the flags it passes its agent CLI (an argument array,
 * never a shell string), the weakest support over the granted grants, and each grant's support.
 */
export const CapabilityEnforcementSchema = lazySchema(() =>
  z.strictObject({
    runner: z.string(),
    support: CapabilitySupportSchema,
    flags: z.array(z.string()),
    summary: z.string(),
    grants: z.array(GrantSupportSchema),
    /**
     * Why the runner's own sandbox cannot run on this host (its self-check failed), when that is so:
     * the grants it would hold are advisory, and the pre-dispatch gate refuses the stage unless
     * `[execution_capabilities] unenforceable = "advisory"`.
     */
    host_sandbox_unavailable: z.string().optional(),
  }),
);
export type CapabilityEnforcement = z.infer<typeof CapabilityEnforcementSchema>;

/** One grant of a stage as it was applied: its decision, and how the runner held the agent to it. */
export const AppliedGrantSchema = lazySchema(() =>
  z.strictObject({
    grant_id: z.string(),
    capability_id: z.string(),
    decision_state: GrantDecisionStateSchema,
    required: z.boolean(),
    /** `enforced` by the runner's own controls, `advisory` (recorded, not enforced), or `not_granted`. */
    enforcement: z.enum(["enforced", "advisory", "not_granted"]),
    reason: z.string(),
  }),
);
export type AppliedGrant = z.infer<typeof AppliedGrantSchema>;

/** `capability_enforcement.<rid>.json`: the grants a stage ran with and the flags they became. */
export const CapabilityEnforcementRecordSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("capability_enforcement"),
    request_id: z.string(),
    run_id: z.string(),
    stage: z.string(),
    node_id: z.string(),
    runner_name: z.string(),
    flags: z.array(z.string()),
    summary: z.string(),
    grants: z.array(AppliedGrantSchema),
    emitted_at: TimestampSchema,
  }),
);
export type CapabilityEnforcementRecord = z.infer<typeof CapabilityEnforcementRecordSchema>;

registerPersistedSchema("capability-enforcement", CapabilityEnforcementRecordSchema);

import { z } from "zod";

/**
 * How far a runner can hold an agent to a control: `enforced` (the agent CLI or its sandbox refuses
 * what is not allowed), `advisory` (the setting is accepted and recorded, but nothing stops the
 * agent), `unsupported` (the runner has no such control).
 */
export const CapabilitySupportSchema = z.enum(["enforced", "advisory", "unsupported"]);
export type CapabilitySupport = z.infer<typeof CapabilitySupportSchema>;

/** What a runner can enforce, declared by its adapter (doctor and embedders read it; nothing is probed). */
export const RunnerCapabilitiesSchema = z
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
  .readonly();
export type RunnerCapabilities = z.infer<typeof RunnerCapabilitiesSchema>;

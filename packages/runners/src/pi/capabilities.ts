import type { RunnerCapabilities } from "@millrace/contracts";

/**
 * Pi has no permission modes and no sandbox: a stage's permission level is recorded but nothing
 * stops the agent. Its tools can be limited with `--tools`/`--no-tools` in `runners.pi.args`.
 */
export const PI_CAPABILITIES: RunnerCapabilities = {
  permission_levels: { basic: "advisory", elevated: "advisory", maximum: "advisory" },
  sandbox: "unsupported",
  network_control: "unsupported",
  tool_allow_list: "enforced",
};

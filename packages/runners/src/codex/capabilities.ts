import type { RunnerCapabilities } from "@millrace/contracts";

/**
 * `codex exec` confines commands with its own sandbox: basic → `workspace-write` (no network unless
 * the Codex config opens it), elevated → `danger-full-access`, maximum → no sandbox and no
 * approvals. Each level is a flag Codex obeys; it has no tool allow-list.
 */
export const CODEX_CAPABILITIES: RunnerCapabilities = {
  permission_levels: { basic: "enforced", elevated: "enforced", maximum: "enforced" },
  sandbox: "enforced",
  network_control: "enforced",
  tool_allow_list: "unsupported",
};

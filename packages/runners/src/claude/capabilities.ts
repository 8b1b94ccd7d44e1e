import type { RunnerCapabilities } from "@millrace/contracts";

/**
 * Claude Code's permission modes are enforced by the CLI itself (basic → `acceptEdits`, elevated →
 * `bypassPermissions`, maximum → skip every check); there is no OS sandbox or network control from
 * the flags we pass. Tools can be limited with `--allowedTools`/`--disallowedTools` in
 * `runners.claude.args`.
 */
export const CLAUDE_CAPABILITIES: RunnerCapabilities = {
  permission_levels: { basic: "enforced", elevated: "enforced", maximum: "enforced" },
  sandbox: "unsupported",
  network_control: "unsupported",
  tool_allow_list: "enforced",
};

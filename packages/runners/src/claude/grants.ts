import type { CapabilityEnforcement, CapabilityGrant } from "@millrace/contracts";
import {
  allowsEverything,
  enforcement,
  type GrantJudge,
  grantedIds,
  PASSIVE,
} from "../capabilities/grant-sets.js";

const READ_TOOLS = ["Read", "Grep", "Glob", "LS"];
const WRITE_TOOLS = ["Edit", "MultiEdit", "Write", "NotebookEdit"];
const SHELL_TOOLS = ["Bash"];
const WEB_TOOLS = ["WebFetch", "WebSearch"];

/**
 * Claude Code's permission mode and tool lists from a stage's grants. `dontAsk` denies every tool
 * not allowed up front (a print-mode run has no one to ask); the tools of capabilities not granted
 * are also listed as disallowed. Bypass only when every capability is granted workspace-wide.
 */
export function claudeGrantEnforcement(grants: readonly CapabilityGrant[]): CapabilityEnforcement {
  if (allowsEverything(grants)) {
    return enforcement(
      "claude_code",
      ["--permission-mode", "bypassPermissions"],
      grants,
      () => ["enforced", "every capability is granted"],
      "every capability granted workspace-wide: permission prompts bypassed",
    );
  }
  const set = grantedIds(grants);
  const write = set.has("workspace.write") || set.has("artifact.write");
  const shell = set.has("shell.run");
  const network = set.has("network.access");
  const allowed = [
    ...READ_TOOLS,
    ...(write ? WRITE_TOOLS : []),
    ...(shell ? SHELL_TOOLS : []),
    ...(network ? WEB_TOOLS : []),
  ];
  const denied = [
    ...(write ? [] : WRITE_TOOLS),
    ...(shell ? [] : SHELL_TOOLS),
    ...(network ? [] : WEB_TOOLS),
  ];
  // One comma-joined value per flag: these flags are variadic, and the prompt goes on stdin anyway.
  const flags = [
    "--permission-mode",
    "dontAsk",
    "--allowedTools",
    allowed.join(","),
    ...(denied.length > 0 ? ["--disallowedTools", denied.join(",")] : []),
  ];
  const judge: GrantJudge = (g) => {
    if (PASSIVE.includes(g.capability_id)) return ["enforced", "read tools are allowed"];
    switch (g.capability_id) {
      case "workspace.write":
      case "artifact.write":
        return ["enforced", "edit tools allowed, others denied"];
      case "shell.run":
        return ["enforced", "Bash allowed"];
      case "network.access":
        return shell
          ? ["advisory", "web tools allowed, but Bash can reach the network too"]
          : ["enforced", "web tools allowed"];
      default:
        return shell
          ? ["advisory", `Bash cannot tell ${g.capability_id} apart from other commands`]
          : ["unsupported", `${g.capability_id} needs shell.run under Claude Code`];
    }
  };
  const withheld = shell && !network ? "; network withheld only advisorily (Bash can reach it)" : "";
  return enforcement(
    "claude_code",
    flags,
    grants,
    judge,
    `permission mode dontAsk, tools ${allowed.join(",")}${withheld}`,
  );
}

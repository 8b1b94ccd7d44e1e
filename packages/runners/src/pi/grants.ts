import type { CapabilityEnforcement, CapabilityGrant } from "@millrace/contracts";
import { enforcement, type GrantJudge, grantedIds, PASSIVE } from "../capabilities/grant-sets.js";

/**
 * Pi has no sandbox and no approvals: grants are advisory. Its tool list is still narrowed to the
 * granted capabilities (`--tools`), unless `runners.pi.args` already chooses the tools.
 */
export function piGrantEnforcement(
  grants: readonly CapabilityGrant[],
  toolsChosenByConfig: boolean,
): CapabilityEnforcement {
  const set = grantedIds(grants);
  const write = set.has("workspace.write") || set.has("artifact.write");
  const shell = set.has("shell.run");
  const tools = [
    "read",
    "grep",
    "find",
    "ls",
    ...(write ? ["edit", "write"] : []),
    ...(shell ? ["bash"] : []),
  ];
  const judge: GrantJudge = (g) => {
    if (PASSIVE.includes(g.capability_id))
      return ["advisory", "Pi has no sandbox; only its tool list limits it"];
    if (g.capability_id === "workspace.write" || g.capability_id === "artifact.write")
      return ["advisory", "edit tools allowed; Pi has no sandbox"];
    if (g.capability_id === "shell.run")
      return ["advisory", "bash allowed; Pi has no sandbox, so bash can do anything the user can"];
    return shell
      ? ["advisory", `Pi has no sandbox; bash can do ${g.capability_id}`]
      : ["unsupported", `${g.capability_id} needs shell.run under Pi`];
  };
  return enforcement(
    "pi_rpc",
    toolsChosenByConfig ? [] : ["--tools", tools.join(",")],
    grants,
    judge,
    toolsChosenByConfig
      ? "advisory: Pi has no sandbox; tools as runners.pi.args chooses"
      : `advisory: Pi has no sandbox; tools limited to ${tools.join(",")}`,
  );
}

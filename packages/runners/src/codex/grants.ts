import type { CapabilityEnforcement, CapabilityGrant } from "@millrace/contracts";
import {
  allowsEverything,
  enforcement,
  type GrantJudge,
  grantedIds,
  PASSIVE,
} from "../capabilities/grant-sets.js";
import type { CodexHostSandbox } from "./host-sandbox.js";

const HOST_WORKS: CodexHostSandbox = { problem: null, unenforceable: "refuse" };
const NO_SANDBOX = ["--sandbox", "danger-full-access", "-c", 'approval_policy="never"'];

/**
 * Codex's sandbox and approval flags from a stage's grants (DESIGN decision 15). No write grant →
 * `--sandbox read-only`; `workspace.write` → `--sandbox workspace-write` with network access on
 * only when `network.access` is granted too; the bypass flag only when every capability a sandbox
 * could withhold is granted workspace-wide. `codex exec` never asks for approval; the policy is
 * still passed as `never` so an agent cannot wait on a prompt no one answers. Where the host cannot
 * run Codex's sandbox, see `hostUnavailable`.
 */
export function codexGrantEnforcement(
  grants: readonly CapabilityGrant[],
  host: CodexHostSandbox = HOST_WORKS,
): CapabilityEnforcement {
  if (allowsEverything(grants)) {
    return enforcement(
      "codex_cli",
      ["--dangerously-bypass-approvals-and-sandbox"],
      grants,
      () => ["enforced", "every capability is granted: no sandbox"],
      "every capability granted workspace-wide: sandbox and approvals bypassed",
    );
  }
  if (host.problem !== null) return hostUnavailable(grants, host.problem, host.unenforceable);
  const set = grantedIds(grants);
  const write = set.has("workspace.write");
  const network = set.has("network.access");
  const flags = [
    ...(write
      ? ["--sandbox", "workspace-write", "-c", `sandbox_workspace_write.network_access=${network}`]
      : ["--sandbox", "read-only"]),
    "-c",
    'approval_policy="never"',
  ];
  const judge: GrantJudge = (g) => {
    if (PASSIVE.includes(g.capability_id)) return ["enforced", "allowed inside every sandbox"];
    switch (g.capability_id) {
      case "workspace.write":
        return ["enforced", "workspace-write sandbox"];
      case "artifact.write":
        return write
          ? ["enforced", "workspace-write sandbox"]
          : ["advisory", "the read-only sandbox still lets Codex write its own output files only"];
      case "shell.run":
        return ["enforced", "commands run inside the sandbox"];
      case "network.access":
        return write
          ? ["enforced", "workspace-write sandbox with network access on"]
          : ["unsupported", "Codex's read-only sandbox has no network; grant workspace.write with it"];
      default:
        return ["advisory", `the sandbox cannot tell ${g.capability_id} apart from other commands`];
    }
  };
  return enforcement(
    "codex_cli",
    flags,
    grants,
    judge,
    write
      ? `workspace-write sandbox, network ${network ? "on" : "off"}, approvals never`
      : "read-only sandbox, approvals never",
  );
}

/**
 * The verdict where Codex's sandbox cannot run on this host: every grant a sandbox would hold is
 * advisory, naming the host problem. Under `unenforceable = "advisory"` Codex runs with no sandbox
 * (a sandbox flag would make every command fail there); otherwise the sandbox flags stay, so a
 * stage dispatched without the engine's gate fails closed rather than running unconfined.
 */
function hostUnavailable(
  grants: readonly CapabilityGrant[],
  problem: string,
  unenforceable: CodexHostSandbox["unenforceable"],
): CapabilityEnforcement {
  const advisory = unenforceable === "advisory";
  const sandboxed = codexGrantEnforcement(grants);
  const reason = `host sandbox unavailable (${problem})`;
  const verdict = enforcement(
    "codex_cli",
    advisory ? NO_SANDBOX : sandboxed.flags,
    grants,
    (g) =>
      PASSIVE.includes(g.capability_id)
        ? ["enforced", "allowed with or without a sandbox"]
        : ["advisory", reason],
    advisory
      ? 'no sandbox (it cannot run on this host; [execution_capabilities] unenforceable = "advisory"), approvals never'
      : `${sandboxed.summary}; the sandbox cannot run on this host`,
  );
  return { ...verdict, host_sandbox_unavailable: problem };
}

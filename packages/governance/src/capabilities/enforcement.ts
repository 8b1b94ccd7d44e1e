import type { CapabilityGrant, CapabilityId } from "@millrace/contracts";

export type SupportLevel = "enforced" | "advisory" | "unsupported";

export interface GrantSupport {
  readonly grant_id: string;
  readonly capability_id: CapabilityId;
  readonly support: SupportLevel;
  readonly reason: string;
}

/** How one runner can honour a stage's grants: the flags to pass, and how real the limits are. */
export interface RunnerEnforcement {
  readonly runner: string;
  /** The weakest support over the granted grants. */
  readonly support: SupportLevel;
  /** Arguments for the runner's command line (argument array, never a shell string). */
  readonly flags: readonly string[];
  readonly reason: string;
  readonly grants: readonly GrantSupport[];
}

/** Everything a sandbox could withhold; granting all of these is the only case for a bypass flag. */
const UNRESTRICTED: readonly CapabilityId[] = [
  "workspace.write",
  "shell.run",
  "network.access",
  "git.mutate",
  "package.install",
  "runtime.control",
];

/** Always within what a read-only agent run does. */
const PASSIVE: readonly CapabilityId[] = [
  "workspace.read",
  "artifact.read",
  "runner.invoke",
  "git.read",
  "evidence.emit",
  "approval.request",
];

const RANK: Record<SupportLevel, number> = { enforced: 0, advisory: 1, unsupported: 2 };

function granted(grants: readonly CapabilityGrant[]): Set<CapabilityId> {
  return new Set(grants.filter((g) => g.decision_state === "granted").map((g) => g.capability_id));
}

function allowsEverything(grants: readonly CapabilityGrant[], set: Set<CapabilityId>): boolean {
  return UNRESTRICTED.every(
    (id) =>
      set.has(id) &&
      grants.some(
        (g) => g.capability_id === id && g.decision_state === "granted" && g.scope.kind === "workspace",
      ),
  );
}

function combine(
  runner: string,
  flags: string[],
  grants: readonly CapabilityGrant[],
  judge: (g: CapabilityGrant) => [SupportLevel, string],
  summary: string,
): RunnerEnforcement {
  const supports = grants
    .filter((g) => g.decision_state === "granted")
    .map((g) => {
      const [support, reason] = judge(g);
      return { grant_id: g.grant_id, capability_id: g.capability_id, support, reason };
    });
  const support = supports.reduce<SupportLevel>(
    (worst, s) => (RANK[s.support] > RANK[worst] ? s.support : worst),
    "enforced",
  );
  return { runner, support, flags, reason: summary, grants: supports };
}

function codex(grants: readonly CapabilityGrant[]): RunnerEnforcement {
  const set = granted(grants);
  if (allowsEverything(grants, set)) {
    return combine(
      "codex_cli",
      ["--dangerously-bypass-approvals-and-sandbox"],
      grants,
      () => ["enforced", "every capability is granted: no sandbox"],
      "every capability granted workspace-wide: sandbox and approvals bypassed",
    );
  }
  const write = set.has("workspace.write") || set.has("artifact.write");
  const network = set.has("network.access");
  const flags = write
    ? ["--sandbox", "workspace-write", "-c", `sandbox_workspace_write.network_access=${network}`]
    : ["--sandbox", "read-only"];
  const judge = (g: CapabilityGrant): [SupportLevel, string] => {
    if (PASSIVE.includes(g.capability_id)) return ["enforced", "allowed inside every sandbox"];
    switch (g.capability_id) {
      case "workspace.write":
      case "artifact.write":
        return ["enforced", "workspace-write sandbox"];
      case "shell.run":
        return ["enforced", "commands run inside the sandbox"];
      case "network.access":
        return write
          ? ["enforced", "workspace-write sandbox with network access on"]
          : [
              "unsupported",
              "Codex's read-only sandbox has no network; network without workspace.write cannot be granted alone",
            ];
      default:
        return ["advisory", `the sandbox cannot tell ${g.capability_id} apart from other commands`];
    }
  };
  return combine(
    "codex_cli",
    flags,
    grants,
    judge,
    write ? `workspace-write sandbox, network ${network ? "on" : "off"}` : "read-only sandbox",
  );
}

const CLAUDE_READ_TOOLS = ["Read", "Grep", "Glob", "LS"];

function claude(grants: readonly CapabilityGrant[]): RunnerEnforcement {
  const set = granted(grants);
  if (allowsEverything(grants, set)) {
    return combine(
      "claude_code",
      ["--permission-mode", "bypassPermissions"],
      grants,
      () => ["enforced", "every capability is granted"],
      "every capability granted workspace-wide: permission prompts bypassed",
    );
  }
  const write = set.has("workspace.write") || set.has("artifact.write");
  const shell = set.has("shell.run");
  const network = set.has("network.access");
  const tools = [
    ...CLAUDE_READ_TOOLS,
    ...(write ? ["Edit", "MultiEdit", "Write", "NotebookEdit"] : []),
    ...(shell ? ["Bash"] : []),
    ...(network ? ["WebFetch", "WebSearch"] : []),
  ];
  // dontAsk denies every tool call not allowed up front: a print-mode run has no one to ask.
  const flags = ["--permission-mode", "dontAsk", "--allowedTools", tools.join(",")];
  const judge = (g: CapabilityGrant): [SupportLevel, string] => {
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
  return combine(
    "claude_code",
    flags,
    grants,
    judge,
    `permission mode dontAsk with tools ${tools.join(",")}`,
  );
}

function pi(grants: readonly CapabilityGrant[]): RunnerEnforcement {
  const set = granted(grants);
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
  const judge = (g: CapabilityGrant): [SupportLevel, string] => {
    if (PASSIVE.includes(g.capability_id))
      return ["advisory", "Pi has no sandbox; only its tool list limits it"];
    if (!shell && (g.capability_id === "workspace.write" || g.capability_id === "artifact.write"))
      return ["advisory", "edit tools without bash; Pi has no sandbox"];
    if (g.capability_id === "shell.run")
      return ["advisory", "bash allowed; Pi has no sandbox, so bash can do anything the user can"];
    return shell
      ? ["advisory", "Pi has no sandbox; bash can do it"]
      : ["unsupported", `${g.capability_id} needs shell.run under Pi`];
  };
  return combine(
    "pi_rpc",
    ["--tools", tools.join(",")],
    grants,
    judge,
    `advisory only: Pi has no sandbox; tools limited to ${tools.join(",")}`,
  );
}

/**
 * Maps a stage's grants onto one runner's own controls (DESIGN decision 15): Codex sandbox flags,
 * Claude Code permission mode and tool allowlist, Pi's tool allowlist (advisory: Pi has no
 * sandbox). A runner that cannot enforce a grant says so, so the gate can refuse the stage.
 */
export function runnerEnforcement(runner: string, grants: readonly CapabilityGrant[]): RunnerEnforcement {
  switch (runner) {
    case "codex_cli":
      return codex(grants);
    case "claude_code":
      return claude(grants);
    case "pi_rpc":
      return pi(grants);
    default:
      return combine(
        runner,
        [],
        grants,
        () => ["advisory", `${runner} has no capability controls`],
        `${runner} has no capability controls: every grant is advisory`,
      );
  }
}

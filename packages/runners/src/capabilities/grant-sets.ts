import type {
  CapabilityEnforcement,
  CapabilityGrant,
  CapabilityId,
  CapabilitySupport,
} from "@millrace/contracts";

/** Everything a sandbox could withhold; granting all of these workspace-wide is the only case for a bypass. */
const UNRESTRICTED: readonly CapabilityId[] = [
  "workspace.write",
  "shell.run",
  "network.access",
  "git.mutate",
  "package.install",
  "runtime.control",
];

/** Always within what a read-only agent run does. */
export const PASSIVE: readonly CapabilityId[] = [
  "workspace.read",
  "artifact.read",
  "runner.invoke",
  "git.read",
  "evidence.emit",
  "approval.request",
];

const RANK: Record<CapabilitySupport, number> = { enforced: 0, advisory: 1, unsupported: 2 };

/** The capability ids a stage was granted. */
export function grantedIds(grants: readonly CapabilityGrant[]): Set<CapabilityId> {
  return new Set(grants.filter((g) => g.decision_state === "granted").map((g) => g.capability_id));
}

/** True only when every capability a sandbox could withhold is granted with workspace scope. */
export function allowsEverything(grants: readonly CapabilityGrant[]): boolean {
  return UNRESTRICTED.every((id) =>
    grants.some(
      (g) => g.capability_id === id && g.decision_state === "granted" && g.scope.kind === "workspace",
    ),
  );
}

export type GrantJudge = (grant: CapabilityGrant) => [CapabilitySupport, string];

/** Judges each granted grant and folds the weakest support into the runner's verdict. */
export function enforcement(
  runner: string,
  flags: readonly string[],
  grants: readonly CapabilityGrant[],
  judge: GrantJudge,
  summary: string,
): CapabilityEnforcement {
  const supports = grants
    .filter((g) => g.decision_state === "granted")
    .map((g) => {
      const [support, reason] = judge(g);
      return { grant_id: g.grant_id, capability_id: g.capability_id, support, reason };
    });
  const support = supports.reduce<CapabilitySupport>(
    (worst, s) => (RANK[s.support] > RANK[worst] ? s.support : worst),
    "enforced",
  );
  return { runner, support, flags: [...flags], summary, grants: supports };
}

/** A runner with no capability controls: every grant is advisory, and it gets no flags. */
export function advisoryEnforcement(
  runner: string,
  grants: readonly CapabilityGrant[],
): CapabilityEnforcement {
  return enforcement(
    runner,
    [],
    grants,
    () => ["advisory", `${runner} has no capability controls`],
    `advisory: ${runner} has no capability controls`,
  );
}

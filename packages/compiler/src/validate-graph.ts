import type { Plane } from "@millrace/contracts";
import { checkCompletion } from "./graph-checks/completion.js";
import { graphCheckContext } from "./graph-checks/context.js";
import { checkEdges } from "./graph-checks/edges.js";
import { checkEntries } from "./graph-checks/entries.js";
import { checkHandoffOutcomes } from "./graph-checks/handoff-outcomes.js";
import { checkUniqueIds } from "./graph-checks/ids.js";
import { checkNodeKinds } from "./graph-checks/node-kinds.js";
import { checkGraphPlane } from "./graph-checks/plane.js";
import { checkPolicies } from "./graph-checks/policies.js";
import { checkReachability } from "./graph-checks/reachability.js";
import { checkRecovery } from "./graph-checks/recovery.js";
import { checkEveryOutcomeRouted } from "./graph-checks/routed-outcomes.js";
import { checkUnusedTerminals } from "./graph-checks/unused-terminals.js";
import type { IssueList } from "./issues.js";
import type { LoadedGraph } from "./locate-graph.js";
import type { LoadedStageKind } from "./stage-kinds.js";

/**
 * Checks a graph's structure and its agreement with the stage kinds: unique ids, resolvable
 * references, legal outcomes on every edge and policy, every outcome routed, every node reachable
 * from an entry and able to reach a terminal state. The checks run in a fixed order so the
 * findings always come out in the same order; each one lives in `graph-checks/`.
 */
export function validateGraph(
  loaded: LoadedGraph,
  expectedPlane: Plane,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  const ctx = graphCheckContext(loaded, kinds, issues);
  checkGraphPlane(ctx, expectedPlane);
  checkUniqueIds(ctx);
  checkNodeKinds(ctx);
  checkEntries(ctx);
  const routed = checkEdges(ctx);
  checkEveryOutcomeRouted(ctx, routed);
  const jumps = checkPolicies(ctx);
  checkCompletion(ctx);
  checkRecovery(ctx);
  checkReachability(ctx, jumps);
  checkHandoffOutcomes(ctx);
  checkUnusedTerminals(ctx);
}

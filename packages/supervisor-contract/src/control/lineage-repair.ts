import type { LineageRepairReport } from "@millrace/contracts";
import { assertSafeId } from "@millrace/queue-store";
import { repairLineage } from "@millrace/scheduler";
import { normalizeIssuer } from "../issuer.js";

export interface LineageRepairRequest {
  readonly rootSpecId: string;
  readonly apply?: boolean;
  readonly issuer?: string;
}

/**
 * `queue repair-lineage` through the one control path. It has no mailbox form on purpose: the
 * repair rewrites documents a running daemon may hold, so applying it refuses while a daemon owns
 * the workspace (the preview works at any time).
 */
export function submitLineageRepair(workspace: string, request: LineageRepairRequest): LineageRepairReport {
  const rootSpecId = assertSafeId(request.rootSpecId, "root spec id");
  return repairLineage(workspace, {
    rootSpecId,
    apply: request.apply === true,
    issuer: normalizeIssuer(request.issuer),
  });
}

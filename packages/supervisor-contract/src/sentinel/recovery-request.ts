import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  MillraceError,
  type RecoveryRequestRecord,
  RecoveryRequestRecordSchema,
  type RecoveryTarget,
  RecoveryTargetSchema,
} from "@millrace/contracts";
import { requireInitialized, writeJsonAtomicSync } from "@millrace/workspace";
import { submitControl } from "../control/submit-control.js";
import { normalizeIssuer } from "../issuer.js";
import { supervisorReport } from "../report/supervisor-report.js";
import { buildRecoveryIncident, idStamp } from "./incident.js";
import { sentinelPaths } from "./paths.js";

export interface RecoveryRequestOptions {
  target: string;
  /** A manual request must say it means it; Sentinel's own requests pass true. */
  forceQueue: boolean;
  reason?: string | undefined;
  issuer?: string | undefined;
  source?: "manual" | "sentinel";
  clock?: () => Date;
}

/**
 * Queues a recovery request: an incident routed to the troubleshooter (execution) or the mechanic
 * (planning), submitted as `import_document` through the one control path, so a running daemon
 * takes it from its mailbox and a stopped workspace gets it under the ownership lock. A record of
 * the request (with the state it was made in) is kept under `state/recovery/requests/`.
 */
export async function requestRecovery(
  workspace: string,
  options: RecoveryRequestOptions,
): Promise<RecoveryRequestRecord> {
  const paths = requireInitialized(workspace);
  const parsedTarget = RecoveryTargetSchema.safeParse(options.target);
  if (!parsedTarget.success) {
    throw new MillraceError(
      "usage_invalid_argument",
      `unknown recovery target ${JSON.stringify(options.target)}`,
      {
        hint: "Use `recovery request troubleshoot` or `recovery request mechanic`.",
      },
    );
  }
  const target: RecoveryTarget = parsedTarget.data;
  if (!options.forceQueue) {
    throw new MillraceError("recovery_force_queue_required", `recovery request ${target} was not queued`);
  }
  const issuer = normalizeIssuer(options.issuer);
  const reason = (options.reason ?? "").trim() || "operator requested recovery";
  const clock = options.clock ?? (() => new Date());
  const now = clock();
  const source = options.source ?? "manual";
  const report = await supervisorReport(workspace, { recentEvents: 0, clock: () => now });
  const requestId = `recovery-${idStamp(now)}-${target}`;
  const incidentId = `incident-${requestId}`;
  const document = buildRecoveryIncident({
    incidentId,
    target,
    failureSignature: source === "sentinel" ? "sentinel_no_progress" : "manual_recovery_request",
    summary: reason,
    severity: source === "sentinel" ? "high" : "medium",
    issuer,
    now,
  });
  const result = submitControl(
    workspace,
    "import_document",
    { kind: "incident", document },
    { issuer, clock: () => now },
  );
  const record: RecoveryRequestRecord = RecoveryRequestRecordSchema.parse({
    schema_version: "1.0",
    kind: "recovery_request",
    request_id: requestId,
    requested_at: formatTimestamp(now),
    target,
    issuer,
    reason,
    source,
    force_queue: true,
    incident_id: incidentId,
    mode: result.mode,
    command_id: result.command_id,
    incident_path: result.enqueued?.path ?? null,
    attention_reason: report.attention_reason,
    active_run_id: report.current_run_id,
    active_stage: report.current_stage,
  });
  const files = sentinelPaths(paths);
  mkdirSync(files.recoveryRequestsDir, { recursive: true });
  writeJsonAtomicSync(path.join(files.recoveryRequestsDir, `${requestId}.json`), record);
  writeJsonAtomicSync(files.latestRecoveryRequest, record);
  return record;
}

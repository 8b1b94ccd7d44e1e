import { mkdirSync } from "node:fs";
import {
  type AttentionReason,
  formatTimestamp,
  type SentinelCheck,
  SentinelCheckSchema,
  type SentinelConfig,
  type SentinelNotification,
  type SentinelState,
  type SupervisorReport,
} from "@millrace/contracts";
import { loadConfig, requireInitialized, tailEvents, writeJsonAtomicSync } from "@millrace/workspace";
import { supervisorReport } from "../report/supervisor-report.js";
import { cadenceInterval } from "./cadence.js";
import { countQueued, statusOf, viewProgress } from "./decide.js";
import { idStamp } from "./incident.js";
import { sendSentinelNotification } from "./notify.js";
import { sentinelPaths } from "./paths.js";
import { requestRecovery } from "./recovery-request.js";
import { progressSignature } from "./signature.js";
import {
  appendJsonLine,
  initialSentinelState,
  readSentinelState,
  writeSentinelState,
} from "./state-store.js";

/** How many recent events the signature looks at. */
const SIGNATURE_EVENTS = 2000;

export interface SentinelCheckOptions {
  clock?: () => Date;
}

/**
 * One Sentinel pass: read the supervisor report, compare the progress signature with the last
 * check's, queue a recovery request when nothing has moved for `no_progress_seconds` (unless a cap
 * waits for acknowledgement), notify on each request and cap, schedule the next check by the
 * cadence, and persist state, the check line and the latest report.
 */
export async function sentinelCheck(
  workspace: string,
  options: SentinelCheckOptions = {},
): Promise<SentinelCheck> {
  const paths = requireInitialized(workspace);
  const files = sentinelPaths(paths);
  const config = loadConfig(paths).sentinel;
  const clock = options.clock ?? (() => new Date());
  const now = clock();
  const previous = readSentinelState(files) ?? initialSentinelState();
  const checkedAt = formatTimestamp(now);
  const base = { checks_performed: previous.checks_performed + 1, last_check_at: checkedAt };
  if (!config.enabled) {
    const state = {
      ...previous,
      ...base,
      status: "disabled",
      reason: "disabled-by-config",
      next_check_at: null,
    } as const;
    return persist(files, record(now, state, { progress: "unknown", attention: null }));
  }
  let report: SupervisorReport;
  try {
    report = await supervisorReport(workspace, { recentEvents: 0, clock: () => now });
  } catch (error) {
    const state: SentinelState = {
      ...previous,
      ...base,
      status: "degraded",
      reason: `supervisor-report-failed: ${(error as Error).message.split("\n")[0]}`,
      next_check_at: formatTimestamp(new Date(now.getTime() + cadenceInterval(config.cadence, 0) * 1000)),
    };
    return persist(files, record(now, state, { progress: "unknown", attention: null }));
  }
  const signature = progressSignature(report, tailEvents(paths.runtimeEvents, SIGNATURE_EVENTS));
  const view = viewProgress(previous, signature, report.attention_reason, config, now);
  let state: SentinelState = { ...view.state, ...base };
  let queued: QueuedRequest | null = null;
  let notification: SentinelNotification | null = null;
  if (view.queueDue) {
    const outcome = await queueAndNotify(paths.root, state, report, view.secondsWithoutProgress, config, now);
    ({ state, queued, notification } = outcome);
  }
  const interval = cadenceInterval(config.cadence, view.secondsWithoutProgress);
  state = {
    ...state,
    ...statusOf(state, view, report.attention_reason, queued !== null),
    interval_seconds: interval,
    next_check_at: formatTimestamp(new Date(now.getTime() + interval * 1000)),
  };
  const check = record(now, state, {
    progress: view.progress,
    attention: report.attention_reason,
    changed: view.changed,
    seconds: view.secondsWithoutProgress,
    queued,
    notification,
  });
  return persist(files, check);
}

/** Queues one recovery request, counts it against the caps and sends the notification it calls for. */
async function queueAndNotify(
  workspace: string,
  before: SentinelState,
  report: SupervisorReport,
  secondsWithoutProgress: number,
  config: SentinelConfig,
  now: Date,
): Promise<{ state: SentinelState; queued: QueuedRequest; notification: SentinelNotification | null }> {
  const quiet = Math.round(secondsWithoutProgress);
  const request = await requestRecovery(workspace, {
    target: config.recovery_target,
    forceQueue: true,
    reason: `Sentinel saw no progress for ${quiet} s (${report.attention_reason}: ${report.attention_summary})`,
    issuer: "sentinel",
    source: "sentinel",
    clock: () => now,
  });
  const counted = countQueued(before, request.request_id, config, now);
  const notification = await sendSentinelNotification(
    config,
    counted.trigger,
    {
      recovery_request_id: request.request_id,
      recovery_requests_queued: counted.state.recovery_requests_queued,
      attention_reason: report.attention_reason,
      seconds_without_progress: quiet,
    },
    { workspace, now },
  );
  const state = notification ? { ...counted.state, last_notification: notification } : counted.state;
  return { state, queued: { id: request.request_id, mode: request.mode }, notification };
}

type QueuedRequest = { id: string; mode: "direct" | "mailbox" };

interface CheckDetail {
  progress: SentinelCheck["progress"];
  attention: AttentionReason | null;
  changed?: string[];
  seconds?: number;
  queued?: { id: string; mode: "direct" | "mailbox" } | null;
  notification?: SentinelNotification | null;
}

function record(now: Date, state: SentinelState, detail: CheckDetail): SentinelCheck {
  return SentinelCheckSchema.parse({
    schema_version: "1.0",
    kind: "sentinel_check",
    check_id: `check-${idStamp(now)}`,
    checked_at: formatTimestamp(now),
    status: state.status,
    reason: state.reason,
    progress: detail.progress,
    changed: detail.changed ?? [],
    attention_reason: detail.attention,
    signature: state.signature,
    seconds_without_progress: detail.seconds ?? null,
    next_check_at: state.next_check_at,
    recovery_request_id: detail.queued?.id ?? null,
    recovery_mode: detail.queued?.mode ?? null,
    notification: detail.notification ?? null,
    state,
  });
}

function persist(files: ReturnType<typeof sentinelPaths>, check: SentinelCheck): SentinelCheck {
  writeSentinelState(files, check.state);
  appendJsonLine(files.checksFile, check);
  mkdirSync(files.reportsDir, { recursive: true });
  writeJsonAtomicSync(files.latestReport, check);
  return check;
}

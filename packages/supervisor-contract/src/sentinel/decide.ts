import type {
  AttentionReason,
  SentinelConfig,
  SentinelProgress,
  SentinelState,
  SentinelStatus,
} from "@millrace/contracts";
import { formatTimestamp } from "@millrace/contracts";
import type { NotificationTrigger } from "./notify.js";
import { changedComponents, type ProgressSignature } from "./signature.js";

/**
 * Attention reasons under which work should be moving. Idle, paused and not-set-up workspaces are
 * neutral: an unchanged signature there is not a stall, and no recovery request would help.
 */
const EXPECTS_PROGRESS: ReadonlySet<AttentionReason> = new Set([
  "working",
  "stalled",
  "idle_with_pending_work",
  "orphaned",
  "blocked",
  "degraded",
]);
const NOT_READY: ReadonlySet<AttentionReason> = new Set(["health_failed", "runner_not_ready"]);

export interface ProgressView {
  readonly progress: SentinelProgress;
  readonly changed: string[];
  readonly secondsWithoutProgress: number;
  /** The state with the new signature, caps reset when work moved. */
  readonly state: SentinelState;
  /** True when a recovery request is due now (stale, not waiting on an acknowledgement or a previous request). */
  readonly queueDue: boolean;
}

const elapsed = (from: string, now: Date) => Math.max(0, (now.getTime() - Date.parse(from)) / 1000);

/** Compares this check's signature with the last one and decides whether to queue. */
export function viewProgress(
  previous: SentinelState,
  signature: ProgressSignature,
  attention: AttentionReason,
  config: SentinelConfig,
  now: Date,
): ProgressView {
  const stamp = formatTimestamp(now);
  const first = previous.signature === null;
  const moved = !first && previous.signature !== signature.signature;
  const changed = moved
    ? changedComponents(previous.signature_components ?? undefined, signature.components)
    : [];
  const since = first || moved || !previous.signature_since ? stamp : previous.signature_since;
  const secondsWithoutProgress = elapsed(since, now);
  const stale =
    !first &&
    !moved &&
    EXPECTS_PROGRESS.has(attention) &&
    secondsWithoutProgress >= config.no_progress_seconds;
  const progress: SentinelProgress = first
    ? "unknown"
    : moved
      ? "progressing"
      : stale
        ? "stale"
        : "unchanged";
  let state: SentinelState = {
    ...previous,
    signature: signature.signature,
    signature_components: { ...signature.components },
    signature_since: since,
    last_progress_at: moved ? stamp : previous.last_progress_at,
  };
  if (moved) state = resetCaps(state);
  const lastQueued = state.last_recovery_queued_at;
  const queueDue =
    stale &&
    !state.acknowledgment_required &&
    (lastQueued === null || elapsed(lastQueued, now) >= config.no_progress_seconds);
  return { progress, changed, secondsWithoutProgress, state, queueDue };
}

export function resetCaps(state: SentinelState): SentinelState {
  return {
    ...state,
    recovery_requests_queued: 0,
    last_recovery_queued_at: null,
    soft_cap_reached: false,
    hard_cap_reached: false,
    acknowledgment_required: false,
  };
}

/** Counts one queued request and says which notification it calls for (a cap outranks the request). */
export function countQueued(
  state: SentinelState,
  requestId: string,
  config: SentinelConfig,
  now: Date,
): { state: SentinelState; trigger: NotificationTrigger } {
  const queued = state.recovery_requests_queued + 1;
  const next: SentinelState = {
    ...state,
    recovery_requests_queued: queued,
    last_recovery_request_id: requestId,
    last_recovery_queued_at: formatTimestamp(now),
  };
  if (queued >= config.hard_cap) {
    return { state: { ...next, hard_cap_reached: true, acknowledgment_required: true }, trigger: "hard_cap" };
  }
  if (queued >= config.soft_cap && !state.soft_cap_reached) {
    return { state: { ...next, soft_cap_reached: true, acknowledgment_required: true }, trigger: "soft_cap" };
  }
  return { state: next, trigger: "recovery_queued" };
}

/** The status and its one-line reason, most urgent first. */
export function statusOf(
  state: SentinelState,
  view: ProgressView,
  attention: AttentionReason,
  queuedNow: boolean,
): { status: SentinelStatus; reason: string } {
  const quiet = Math.round(view.secondsWithoutProgress);
  if (state.acknowledgment_required) {
    const cap = state.hard_cap_reached ? "hard" : "soft";
    return {
      status: state.hard_cap_reached ? "escalated" : "suppressed",
      reason: `${cap}-cap-reached-after-${state.recovery_requests_queued}-recovery-requests-awaiting-acknowledgment`,
    };
  }
  if (queuedNow) return { status: "recovery_queued", reason: `no-meaningful-progress-for-${quiet}s` };
  if (NOT_READY.has(attention))
    return { status: "degraded", reason: `workspace-${attention.replace(/_/g, "-")}` };
  if (state.recovery_requests_queued > 0) {
    return { status: "monitoring", reason: `watching-recovery-request-${state.last_recovery_request_id}` };
  }
  if (view.progress === "stale")
    return { status: "degraded", reason: `unchanged-progress-signature-for-${quiet}s` };
  if (view.progress === "progressing") return { status: "healthy", reason: "progressing" };
  if (!EXPECTS_PROGRESS.has(attention))
    return { status: "healthy", reason: `idle-${attention.replace(/_/g, "-")}` };
  return {
    status: "healthy",
    reason: view.progress === "unknown" ? "first-check" : `unchanged-for-${quiet}s`,
  };
}

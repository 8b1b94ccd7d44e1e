import { formatTimestamp, MillraceError, type SentinelState } from "@millrace/contracts";
import { appendRuntimeEvent, requireInitialized } from "@millrace/workspace";
import { normalizeIssuer } from "../issuer.js";
import { resetCaps } from "./decide.js";
import { sentinelPaths } from "./paths.js";
import { appendJsonLine, readSentinelState, writeSentinelState } from "./state-store.js";

export interface SentinelAcknowledgeOptions {
  issuer?: string | undefined;
  reason: string;
  clock?: () => Date;
}

/**
 * Lets Sentinel queue again after a cap. A soft cap lets it go on up to the hard cap; a hard cap
 * starts a fresh count. Who and why are kept in the state, in `acknowledgments.jsonl` and in the
 * runtime event log (`sentinel_acknowledged`).
 */
export function acknowledgeSentinel(workspace: string, options: SentinelAcknowledgeOptions): SentinelState {
  const paths = requireInitialized(workspace);
  const files = sentinelPaths(paths);
  const issuer = normalizeIssuer(options.issuer);
  const reason = options.reason.trim();
  if (!reason || reason.includes("\n")) {
    throw new MillraceError("usage_invalid_argument", "sentinel acknowledge needs a one-line --reason", {
      hint: 'Say why Sentinel may queue again, e.g. --reason "fixed the flaky network".',
    });
  }
  const state = readSentinelState(files);
  if (!state?.acknowledgment_required) {
    throw new MillraceError(
      "sentinel_nothing_to_acknowledge",
      state
        ? `Sentinel is ${state.status}; no cap waits for acknowledgment`
        : "Sentinel has not checked this workspace yet",
    );
  }
  const cap = state.hard_cap_reached ? "hard" : "soft";
  const at = formatTimestamp((options.clock ?? (() => new Date()))());
  const acknowledgment = { at, issuer, reason, cap } as const;
  const base = cap === "hard" ? resetCaps(state) : { ...state, acknowledgment_required: false };
  const next: SentinelState = {
    ...base,
    status: "monitoring",
    reason: `${cap}-cap-acknowledged-by-${issuer}`,
    last_acknowledgment: acknowledgment,
  };
  appendJsonLine(files.acknowledgmentsFile, {
    ...acknowledgment,
    recovery_requests_queued: state.recovery_requests_queued,
  });
  writeSentinelState(files, next);
  appendRuntimeEvent(paths.runtimeEvents, {
    event_type: "sentinel_acknowledged",
    data: { issuer, reason, cap, recovery_requests_queued: state.recovery_requests_queued },
  });
  return next;
}

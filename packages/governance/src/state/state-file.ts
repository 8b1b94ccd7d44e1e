import { existsSync, readFileSync } from "node:fs";
import {
  formatTimestamp,
  MillraceError,
  USAGE_GOVERNANCE_STATE_VERSION,
  type UsageGovernanceState,
  UsageGovernanceStateSchema,
} from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";

/** The state of a workspace that never evaluated governance: disabled, stamped at the Unix epoch. */
export function initialGovernanceState(): UsageGovernanceState {
  return {
    version: USAGE_GOVERNANCE_STATE_VERSION,
    enabled: false,
    auto_resume: true,
    auto_resume_possible: false,
    evaluation_boundary: "between_stages",
    calendar_timezone: "UTC",
    daemon_session_id: null,
    last_evaluated_at: formatTimestamp(new Date(0)),
    active_blockers: [],
    paused_by_governance: false,
    next_auto_resume_at: null,
    subscription_quota_status: {
      enabled: false,
      provider: "codex_chatgpt_oauth",
      state: "disabled",
      degraded_policy: "fail_open",
      detail: null,
      last_refreshed_at: null,
      windows: {},
    },
  };
}

/** Reads `state/usage_governance_state.json`; a missing file reads as the initial state. */
export function readGovernanceState(paths: WorkspacePaths): UsageGovernanceState {
  const file = paths.usageGovernanceState;
  if (!existsSync(file)) return initialGovernanceState();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new MillraceError(
      "engine_state_invalid",
      `${file} is not readable JSON: ${(error as Error).message}`,
      {
        cause: error,
        details: { file },
      },
    );
  }
  const parsed = UsageGovernanceStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MillraceError(
      "engine_state_invalid",
      `${file}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`.trim(),
      {
        details: { file },
      },
    );
  }
  return parsed.data;
}

/** Writes the state file atomically; `durable: false` skips the fsyncs (used when only the timestamp moved). */
export function writeGovernanceState(
  paths: WorkspacePaths,
  state: UsageGovernanceState,
  options?: { durable?: boolean },
): void {
  writeJsonAtomicSync(paths.usageGovernanceState, UsageGovernanceStateSchema.parse(state), options);
}

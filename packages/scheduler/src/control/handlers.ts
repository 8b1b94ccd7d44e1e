import { type MailboxCommand, RetryActivePayloadSchema } from "@millrace/contracts";
import { readGovernanceState } from "@millrace/governance";
import { resolveOperatorQuestion } from "../questions/resolve-command.js";
import { readRunnerPause } from "../state/runner-pause-file.js";
import { decideApproval } from "./approval-commands.js";
import { governCompoundingItem } from "./compounding-commands.js";
import { type ControlOutcome, type ControlState, event, type HandlerEnvironment } from "./control-state.js";
import { addDocument, addIdea, applyQueueIntervention, importDocument } from "./queue-commands.js";
import { releaseWorkItem } from "./release-command.js";
import { clearStaleState, retryActive, setPause } from "./run-commands.js";

export {
  type ControlOutcome,
  type ControlState,
  DeferCommand,
  type HandlerEnvironment,
} from "./control-state.js";

/**
 * Applies one control command to the workspace state. The same handlers serve a running daemon
 * (mailbox, at a safe boundary) and an idle workspace (direct), so both behave alike.
 */
export function applyControlCommand(
  state: ControlState,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  switch (command) {
    case "pause":
      setPause(state, true);
      event(state, "runtime_paused_by_operator", { issuer: env.issuer });
      return { applied: true, detail: "runtime paused by operator" };
    case "resume": {
      setPause(state, false);
      event(state, "runtime_resumed_by_operator", { issuer: env.issuer });
      if (state.snapshot.pause_sources.includes("usage_governance")) {
        return { applied: false, detail: governanceHoldDetail(state) };
      }
      if (state.snapshot.pause_sources.includes("runner_unavailable")) {
        return { applied: false, detail: runnerHoldDetail(state) };
      }
      return { applied: true, detail: "runtime resumed" };
    }
    case "stop":
      if (env.mode === "mailbox") {
        state.snapshot = { ...state.snapshot, stop_requested: true };
        return { applied: true, detail: "stop requested; the daemon stops after running stages finish" };
      }
      state.snapshot = { ...state.snapshot, stop_requested: false, process_running: false };
      return {
        applied: true,
        detail: "no daemon running; runtime marked stopped (active runs stay resumable)",
      };
    case "reload_config":
      if (env.mode === "direct" || !env.requestReload) {
        return { applied: false, detail: "no daemon running; the next start loads the config" };
      }
      env.requestReload();
      return { applied: true, detail: "config reload scheduled for the next safe boundary" };
    case "retry_active":
      return retryActive(state, RetryActivePayloadSchema.parse(payload), env);
    case "clear_stale_state":
      return clearStaleState(state, payload, env);
    case "add_task":
    case "add_spec":
    case "add_probe":
      return addDocument(state, command, payload);
    case "import_document":
      return importDocument(state, payload);
    case "add_idea":
      return addIdea(state, payload);
    case "approve_execution_capability":
    case "deny_execution_capability":
      return decideApproval(state, command, payload, env);
    case "release_work_item":
      return releaseWorkItem(state, payload, env);
    case "resolve_operator_question":
      return resolveOperatorQuestion(state, payload, env);
    case "promote_compounding_item":
    case "deprecate_compounding_item":
      return governCompoundingItem(state, command, payload, env);
    default:
      return applyQueueIntervention(state, command, payload, env);
  }
}

/** Why an operator resume did not resume: the governance blockers and when they lift. */
/**
 * The operator pause is lifted, but a runner that cannot run still holds the runtime: it lifts by
 * itself once the runner's preflight passes again, and resuming cannot override it.
 */
function runnerHoldDetail(state: ControlState): string {
  const pause = readRunnerPause(state.paths);
  const why = pause ? `${pause.runner} (${pause.failure_class}): ${pause.reason}` : "a runner cannot run";
  return `operator pause lifted, but the runtime stays paused until the runner can run again: ${why}; it resumes by itself once its preflight passes`;
}

function governanceHoldDetail(state: ControlState): string {
  const governance = readGovernanceState(state.paths);
  const rules = governance.active_blockers
    .map((blocker) => `${blocker.rule_id} (${blocker.window} ${blocker.observed} >= ${blocker.threshold})`)
    .join(", ");
  const lifts = governance.next_auto_resume_at
    ? `it lifts by itself at ${governance.next_auto_resume_at}`
    : "it lifts when the rules clear, or when [usage_governance] is disabled or its thresholds raised";
  return `operator pause removed; runtime still paused by usage governance${rules ? `: ${rules}` : ""}; ${lifts}`;
}

import type {
  AttentionReason,
  OperatorQuestion,
  Plane,
  StatusReport,
  SupervisorHealth,
} from "@millrace/contracts";
import { questionAttention } from "../interview/attention.js";

/** What the attention rules look at, gathered by the report. */
export interface AttentionFacts {
  health: SupervisorHealth;
  status: StatusReport;
  orphaned: boolean;
  blockedPlanes: Plane[];
  degradedBecause: string | null;
  backlogTotal: number;
  pendingAdds: number;
  /** Seconds since the last sign of life, while a live daemon has an active stage (else null). */
  quietSeconds: number | null;
  stalledAfterSeconds: number;
  /** Operator questions still waiting for an answer, oldest first. */
  pendingQuestions?: readonly OperatorQuestion[];
}

export interface Attention {
  reason: AttentionReason;
  summary: string;
}

const isLockCheck = (code: string) => code.startsWith("runtime_ownership_lock");

function firstError(health: SupervisorHealth, filter: (code: string) => boolean): string {
  const problem = health.problems.find((p) => p.status === "error" && filter(p.code));
  return problem ? `${problem.code}: ${problem.message}` : "a health check failed";
}

function activeSummary(status: StatusReport): string {
  const runs = (["execution", "planning", "learning"] as const)
    .map((plane) => status.planes[plane].active_run)
    .filter((run) => run !== null)
    .map((run) => `${run.plane} ${run.stage}${run.work_item_id ? ` on ${run.work_item_id}` : ""}`);
  for (const lane of status.lanes?.active ?? []) {
    runs.push(`lane ${lane.lane} ${lane.stage ?? lane.phase} on ${lane.item_id}`);
  }
  return runs.join(", ");
}

/** Health and ownership rules: the workspace cannot run as it is. */
function setupAttention(facts: AttentionFacts): Attention | undefined {
  const { health, status } = facts;
  if (!health.bootstrap_ready) {
    return {
      reason: "not_bootstrapped",
      summary: `workspace is not initialized: ${firstError(health, () => true)}`,
    };
  }
  if (!health.execution_ready) {
    return {
      reason: "runner_not_ready",
      summary: `execution cannot start: ${firstError(
        health,
        (code) =>
          code === "mode_runner_unavailable" || code.startsWith("runner_") || code === "plan_compile_error",
      )}`,
    };
  }
  if (health.problems.some((p) => p.status === "error" && !isLockCheck(p.code))) {
    return { reason: "health_failed", summary: firstError(health, (code) => !isLockCheck(code)) };
  }
  if (facts.orphaned) {
    const pid = status.runtime_ownership_lock.owner_pid;
    return {
      reason: "orphaned",
      summary: `the runtime died without releasing the workspace${pid ? ` (lock owner pid ${pid} is gone)` : ""}; its active work waits to be resumed or cleared`,
    };
  }
  return undefined;
}

/** Rules that need an operator decision before work can flow again. */
function holdAttention(facts: AttentionFacts): Attention | undefined {
  const { status } = facts;
  if (facts.blockedPlanes.length > 0) {
    const planes = facts.blockedPlanes.map((plane) => `${plane} (${status.planes[plane].status_marker})`);
    return { reason: "blocked", summary: `blocked: ${planes.join(", ")}` };
  }
  if (facts.degradedBecause) return { reason: "degraded", summary: facts.degradedBecause };
  if (status.pause_sources.includes("usage_governance") || status.usage_governance.paused) {
    const resume = status.usage_governance.next_auto_resume_at;
    return {
      reason: "governance_paused",
      summary: `paused by usage governance (${status.usage_governance.blocker_count} blocker(s)); ${resume ? `resumes by itself at ${resume}` : "resumes when its rules clear"}`,
    };
  }
  if (status.pause_sources.includes("operator")) {
    return { reason: "operator_paused", summary: "paused by an operator; `resume` lets work continue" };
  }
  return undefined;
}

/**
 * The attention reason and its one-line summary. The first matching rule wins; the order and
 * each rule are documented in docs/supervisor.md.
 */
export function decideAttention(facts: AttentionFacts): Attention {
  const urgent =
    setupAttention(facts) ?? questionAttention(facts.pendingQuestions ?? []) ?? holdAttention(facts);
  if (urgent) return urgent;
  const { status } = facts;
  if (status.active_run_count > 0 && status.process_running) {
    if (facts.quietSeconds !== null && facts.quietSeconds > facts.stalledAfterSeconds) {
      return {
        reason: "stalled",
        summary: `no event or runner output for ${Math.floor(facts.quietSeconds)} s (threshold ${facts.stalledAfterSeconds} s) while running ${activeSummary(status)}`,
      };
    }
    return { reason: "working", summary: `running ${activeSummary(status)}` };
  }
  if (status.active_run_count > 0) {
    return {
      reason: "idle_with_pending_work",
      summary: `no daemon is running; active work (${activeSummary(status)}) resumes with the next run`,
    };
  }
  if (facts.backlogTotal > 0 || facts.pendingAdds > 0) {
    const waiting =
      facts.backlogTotal > 0
        ? `${facts.backlogTotal} queued item(s)`
        : `${facts.pendingAdds} add command(s) waiting in the mailbox`;
    const runner = status.process_running ? "the daemon has not claimed them yet" : "no daemon is running";
    return { reason: "idle_with_pending_work", summary: `idle with ${waiting}; ${runner}` };
  }
  return { reason: "idle_no_work", summary: "idle: nothing queued" };
}

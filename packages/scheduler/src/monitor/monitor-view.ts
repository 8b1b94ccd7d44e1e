import type { RuntimeEventName, TypedRuntimeEvent } from "@millrace/contracts";
import type { MonitorEvent } from "./monitor-events.js";

type View<T extends MonitorEvent["type"]> = Extract<MonitorEvent, { type: T }>;

/**
 * What a monitor view shows that its runtime event does not persist: the start banner's context,
 * the running marker of a stage start, and the runtime error that turned a routing decision into
 * a repair.
 */
export interface MonitorDetails {
  runtime_started: Omit<View<"runtime_started">, "type" | "at" | "modeId" | "compiledPlanId">;
  stage_started: { status: string; lane?: number };
  router_decision: { runtimeErrorCode: string | null };
}

/** The details argument `recordEvent` takes for an event: required for the events above, none otherwise. */
export type MonitorDetailsArg<N extends RuntimeEventName> = N extends keyof MonitorDetails
  ? [details: MonitorDetails[N]]
  : [];

type StageEventData = Extract<TypedRuntimeEvent, { event_type: "stage_started" }>["data"];

/** Which stage an event is about, in the monitor's camelCase (shared by start and completion). */
function stageIdentity(data: StageEventData) {
  return {
    plane: data.plane,
    stage: data.stage,
    nodeId: data.node_id,
    stageKindId: data.stage_kind_id,
    runId: data.run_id,
    requestId: data.request_id,
    workItemKind: data.work_item_kind,
    workItemId: data.work_item_id,
    thinkingLevel: data.thinking_level ?? null,
  };
}

// Over 80 lines: one case per event the monitor shows.
/**
 * Renders a runtime event as the monitor sees it, or undefined for events the monitor does not
 * show. The log line and the monitor view are two renderings of the same event, so they cannot
 * disagree. `at` is the event's `occurred_at`.
 */
export function monitorViewOf(
  event: TypedRuntimeEvent,
  at: Date,
  details?: MonitorDetails[keyof MonitorDetails],
): MonitorEvent | undefined {
  switch (event.event_type) {
    case "runtime_started": {
      const extra = details as MonitorDetails["runtime_started"];
      return {
        type: "runtime_started",
        at,
        modeId: event.data.mode_id,
        compiledPlanId: event.data.compiled_plan_id,
        ...extra,
      };
    }
    case "stage_started": {
      const { data } = event;
      return {
        type: "stage_started",
        at,
        ...stageIdentity(data),
        status: (details as MonitorDetails["stage_started"]).status,
        ...(data.lane !== undefined ? { lane: data.lane } : {}),
      };
    }
    case "stage_completed": {
      const { data } = event;
      return {
        type: "stage_completed",
        at,
        ...stageIdentity(data),
        terminalResult: data.terminal_result,
        status: data.terminal_result,
        durationSeconds: data.duration_seconds,
        tokenUsage: data.token_usage,
        failureClass: data.failure_class,
      };
    }
    case "router_decision": {
      const { data } = event;
      const code = (details as MonitorDetails["router_decision"]).runtimeErrorCode;
      return {
        type: "router_decision",
        at,
        plane: data.plane,
        runId: data.run_id,
        action: data.action,
        nextStage: data.next_stage,
        nextNodeId: data.next_node_id,
        reason: code ? `runtime_exception:${code}` : data.reason,
      };
    }
    case "capability_gate_evaluated":
      return event.data.outcome === "advisory"
        ? {
            type: "capability_advisory",
            at,
            plane: event.data.plane,
            nodeId: event.data.node_id,
            runId: event.data.run_id,
            reasons: event.data.findings.map((f) => `${f.capability_id}: ${f.reason}`),
          }
        : undefined;
    case "usage_governance_blocked": {
      const { data } = event;
      return {
        type: "governance_pause",
        at,
        source: data.source,
        ruleId: data.rule_id,
        window: data.window,
        observed: data.observed,
        threshold: data.threshold,
        nextResumeAt: data.next_auto_resume_at,
      };
    }
    case "usage_governance_resumed":
      return {
        type: "governance_resume",
        at,
        clearedRules: event.data.cleared_rules ?? [],
        reason: event.data.reason,
      };
    case "usage_governance_degraded":
      return { type: "governance_degraded", at, ...event.data };
    case "work_item_parked":
      return {
        type: "work_item_parked",
        at,
        plane: event.data.plane,
        workItemId: event.data.work_item_id,
        reason: event.data.reason,
      };
    case "liveness_changed": {
      const { data } = event;
      return {
        type: "liveness_changed",
        at,
        plane: data.plane,
        stage: data.stage,
        runId: data.run_id,
        workItemId: data.work_item_id,
        previous: data.previous,
        grade: data.grade,
        reason: data.reason,
        response: data.response,
      };
    }
    case "runtime_tick_idle":
      return { type: "runtime_idle", at, reason: "no_work" };
    case "runtime_runner_unavailable": {
      const { data } = event;
      return {
        type: "notice",
        at,
        message: `paused reason=runner_unavailable runner=${data.runner} failure_class=${data.failure_class} held=${data.plane}/${data.stage}: ${data.reason}`,
      };
    }
    case "runtime_runner_available":
      return {
        type: "notice",
        at,
        message: `resumed reason=runner_available runner=${event.data.runner} (its preflight passes again)`,
      };
    case "runtime_tick_paused":
      return { type: "runtime_paused", at, reason: event.data.pause_sources.join(",") };
    case "runtime_tick_stopped":
      return { type: "runtime_stopped", at, reason: event.data.reason };
    default:
      return undefined;
  }
}

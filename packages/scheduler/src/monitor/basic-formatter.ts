import type { Plane, TokenUsage } from "@millrace/contracts";
import { BoundedMap } from "../state/bounded-map.js";
import type { MonitorEvent } from "./monitor-events.js";

function clock(at: Date): string {
  return at.toISOString().slice(11, 19);
}

function tokens(usage: TokenUsage | null): string {
  if (!usage) return "";
  return ` tokens=in=${usage.input_tokens} cached=${usage.cached_input_tokens} out=${usage.output_tokens} think=${usage.thinking_tokens} total=${usage.total_tokens}`;
}

function stageRef(event: { plane: Plane; stage: string; nodeId: string; stageKindId: string }): string {
  let ref = `${event.plane}/${event.stage}`;
  if (event.nodeId !== event.stage) ref += ` node=${event.nodeId}`;
  if (event.stageKindId !== event.stage) ref += ` kind=${event.stageKindId}`;
  return ref;
}

function thinking(level: string | null | undefined): string {
  return level ? ` thinking=${level}` : "";
}

/** The start banner: mode and plan, baseline, loops, concurrency, scheduler mode, snapshot. */
function startBanner(event: Extract<MonitorEvent, { type: "runtime_started" }>, at: string): string[] {
  const loops = Object.entries(event.loops)
    .map(([plane, loop]) => `${plane}=${loop}`)
    .join(" ");
  const concurrency = event.concurrency
    ? `exclusive=${event.concurrency.exclusive.map((g) => g.join("+")).join(",") || "none"} concurrent=${event.concurrency.concurrent.map((g) => g.join("+")).join(",") || "none"}`
    : "none";
  const markers = Object.entries(event.statusMarkers)
    .map(([plane, marker]) => `${plane}=${marker.replace(/^### /, "")}`)
    .join(" ");
  const depths = Object.entries(event.queueDepths)
    .map(([plane, depth]) => `${plane}=${depth}`)
    .join(" ");
  return [
    `${at}runtime started mode=${event.modeId} plan=${event.compiledPlanId} currentness=${event.currentness}`,
    `${at}baseline manifest=${event.baselineManifestId ?? "none"} seed_package=${event.seedPackageVersion ?? "none"}`,
    `${at}loops ${loops}`,
    `${at}concurrency ${concurrency}`,
    `${at}scheduler mode=${event.schedulerMode}`,
    `${at}snapshot status ${markers} queue ${depths}`,
  ];
}

const IDLE_HEARTBEAT_MS = 6 * 60 * 60 * 1000;

/**
 * How many runs the formatter remembers (short handle, elapsed total, lane). Runs are sequential
 * per plane, so this covers every run still in flight many times over; a handle is kept unique
 * among these runs, and a run forgotten and met again starts its elapsed total afresh.
 */
export const MONITOR_RUN_MEMORY = 256;

/**
 * The `--monitor basic` format: one line per event, `[HH:MM:SS] ` first. Run ids are shortened to
 * eight hex digits and widened when two of the last MONITOR_RUN_MEMORY runs would collide; a
 * repeated idle reason is printed at most once per heartbeat interval.
 */
export class BasicMonitorFormatter {
  // Per run, for the most recent MONITOR_RUN_MEMORY runs only: a monitored daemon lives for weeks.
  private readonly handles = new BoundedMap<string, string>(MONITOR_RUN_MEMORY);
  private readonly runTotals = new BoundedMap<string, { seconds: number; usage: TokenUsage | null }>(
    MONITOR_RUN_MEMORY,
  );
  /** The lane each run's stages run in (from `stage_started`), so its lines carry the lane prefix. */
  private readonly runLanes = new BoundedMap<string, number>(MONITOR_RUN_MEMORY);
  private lastIdle: { reason: string; at: number } | null = null;

  private lanePrefix(runId: string): string {
    const lane = this.runLanes.get(runId);
    return lane === undefined ? "" : `[lane ${lane}] `;
  }

  // Over 80 lines: one case per monitor event kind.
  format(event: MonitorEvent): string[] {
    if (event.type !== "runtime_idle") this.lastIdle = null;
    const at = `[${clock(event.at)}] `;
    switch (event.type) {
      case "runtime_started":
        return startBanner(event, at);
      case "runtime_resumed_active_run":
        return [
          `${at}resumed active ${event.plane}/${event.stage} run=${this.handle(event.runId)} status=${event.status}`,
        ];
      case "stage_started": {
        const work = event.workItemKind ? ` work=${event.workItemKind}:${event.workItemId}` : "";
        if (event.lane !== undefined) this.runLanes.set(event.runId, event.lane);
        return [
          `${at}${this.lanePrefix(event.runId)}stage start ${stageRef(event)} run=${this.handle(event.runId)}${work}${thinking(event.thinkingLevel)} status=${event.status}`,
        ];
      }
      case "stage_completed": {
        const key = `${event.plane}:${event.runId}`;
        const total = this.runTotals.get(key) ?? { seconds: 0, usage: null };
        total.seconds += event.durationSeconds;
        total.usage = addUsage(total.usage, event.tokenUsage);
        this.runTotals.set(key, total);
        const work = event.workItemKind ? ` work=${event.workItemKind}:${event.workItemId}` : "";
        const lane = this.lanePrefix(event.runId);
        return [
          `${at}${lane}stage done ${stageRef(event)} run=${this.handle(event.runId)}${work}${thinking(event.thinkingLevel)} result=${event.terminalResult} dur=${event.durationSeconds.toFixed(1)}s${tokens(event.tokenUsage)}`,
          `${at}run ${event.plane} run=${this.handle(event.runId)} elapsed=${total.seconds.toFixed(1)}s${tokens(total.usage)}`,
        ];
      }
      case "router_decision": {
        const target =
          event.action === "run_stage"
            ? `-> ${event.nextStage}${event.nextNodeId && event.nextNodeId !== event.nextStage ? ` node=${event.nextNodeId}` : ""}`
            : event.action === "idle"
              ? "done"
              : event.action;
        return [`${at}route ${event.plane} ${target} reason=${event.reason}`];
      }
      case "status_marker_changed":
        return [
          `${at}status ${event.plane} run=${event.runId ? this.handle(event.runId) : "none"} from=${event.previous.replace(/^### /, "")} to=${event.current.replace(/^### /, "")}`,
        ];
      case "runtime_idle": {
        const now = event.at.getTime();
        if (
          this.lastIdle &&
          this.lastIdle.reason === event.reason &&
          now - this.lastIdle.at < IDLE_HEARTBEAT_MS
        ) {
          return [];
        }
        this.lastIdle = { reason: event.reason, at: now };
        return [`${at}idle reason=${event.reason}`];
      }
      case "governance_pause":
        return [
          `${at}governance pause source=${event.source} rule=${event.ruleId} window=${event.window} observed=${event.observed} threshold=${event.threshold} next_resume=${event.nextResumeAt ?? "none"}`,
        ];
      case "governance_resume":
        return [
          `${at}governance resume cleared_rules=${event.clearedRules.join(",") || "none"}${event.reason ? ` reason=${event.reason}` : ""}`,
        ];
      case "governance_degraded":
        return [
          `${at}governance degraded source=${event.source} policy=${event.policy} detail=${event.detail}`,
        ];
      case "capability_advisory":
        return [
          `${at}capability advisory ${event.plane}.${event.nodeId} run=${event.runId} unenforced: ${event.reasons.join("; ")}`,
        ];
      case "work_item_parked":
        return [`${at}parked ${event.plane} work=${event.workItemId} ${event.reason}`];
      case "liveness_changed": {
        const work = event.workItemId ? ` work=${event.workItemId}` : "";
        return [
          `${at}liveness ${event.plane}/${event.stage} run=${this.handle(event.runId)}${work} ${event.previous}->${event.grade} response=${event.response} reason=${event.reason}`,
        ];
      }
      case "runtime_paused":
        return [`${at}paused reason=${event.reason}`];
      case "runtime_stopped":
        return [`${at}stopped reason=${event.reason}`];
      case "reload_deferred":
        return [
          `${at}reload deferred reason=${event.reason} active=${event.activePlanes.join(",") || "none"}`,
        ];
      case "notice":
        return [`${at}${event.message}`];
    }
  }

  /** `run-<hex>` shortened to 8 hex digits, widened to 12, 16 or all of it on collision. */
  handle(runId: string): string {
    const existing = this.handles.get(runId);
    if (existing) return existing;
    const hex = runId.replace(/^run-/, "");
    const taken = new Set(this.handles.values());
    for (const width of [8, 12, 16, hex.length]) {
      const candidate = hex.slice(0, width);
      if (!taken.has(candidate)) {
        this.handles.set(runId, candidate);
        return candidate;
      }
    }
    this.handles.set(runId, hex);
    return hex;
  }
}

function addUsage(a: TokenUsage | null, b: TokenUsage | null): TokenUsage | null {
  if (!b) return a;
  if (!a) return { ...b };
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    thinking_tokens: a.thinking_tokens + b.thinking_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

import type { Plane, TokenUsage } from "@millrace/contracts";

/**
 * Typed monitor events: what an embedder or the `--monitor basic` printer observes. They describe
 * the engine as it runs; the persisted record is the runtime event log.
 */
export type MonitorEvent =
  | {
      type: "runtime_started";
      at: Date;
      modeId: string;
      compiledPlanId: string;
      currentness: string;
      baselineManifestId: string | null;
      seedPackageVersion: string | null;
      loops: Partial<Record<Plane, string>>;
      concurrency: { exclusive: Plane[][]; concurrent: Plane[][] } | null;
      schedulerMode: "serial" | "plane-concurrent";
      statusMarkers: Record<Plane, string>;
      queueDepths: Record<Plane, number>;
    }
  | {
      type: "runtime_resumed_active_run";
      at: Date;
      plane: Plane;
      stage: string;
      runId: string;
      status: string;
    }
  | {
      type: "stage_started";
      at: Date;
      plane: Plane;
      stage: string;
      nodeId: string;
      stageKindId: string;
      /** The stage's thinking level; absent or null when it runs with the adapter's default. */
      thinkingLevel?: string | null;
      runId: string;
      requestId: string;
      workItemKind: string | null;
      workItemId: string | null;
      status: string;
      /** The execution lane the stage runs in (absent with one lane). */
      lane?: number;
    }
  | {
      type: "stage_completed";
      at: Date;
      plane: Plane;
      stage: string;
      nodeId: string;
      stageKindId: string;
      /** The stage's thinking level; absent or null when it runs with the adapter's default. */
      thinkingLevel?: string | null;
      runId: string;
      requestId: string;
      workItemKind: string | null;
      workItemId: string | null;
      terminalResult: string;
      status: string;
      durationSeconds: number;
      tokenUsage: TokenUsage | null;
      failureClass: string | null;
    }
  | {
      type: "router_decision";
      at: Date;
      plane: Plane;
      runId: string;
      action: string;
      nextStage: string | null;
      nextNodeId: string | null;
      reason: string;
    }
  | {
      type: "status_marker_changed";
      at: Date;
      plane: Plane;
      runId: string | null;
      previous: string;
      current: string;
      source: string;
    }
  | {
      type: "governance_pause";
      at: Date;
      source: string;
      ruleId: string;
      window: string;
      observed: number;
      threshold: number;
      nextResumeAt: string | null;
    }
  | { type: "governance_resume"; at: Date; clearedRules: string[]; reason: string | null }
  | { type: "governance_degraded"; at: Date; source: string; policy: string; detail: string }
  | { type: "capability_advisory"; at: Date; plane: Plane; nodeId: string; runId: string; reasons: string[] }
  | { type: "work_item_parked"; at: Date; plane: Plane; workItemId: string; reason: string }
  | {
      type: "liveness_changed";
      at: Date;
      plane: Plane;
      stage: string;
      runId: string;
      workItemId: string | null;
      previous: string;
      grade: string;
      reason: string;
      response: string;
    }
  | { type: "runtime_idle"; at: Date; reason: string }
  | { type: "runtime_paused"; at: Date; reason: string }
  | { type: "runtime_stopped"; at: Date; reason: string }
  | { type: "reload_deferred"; at: Date; reason: string; activePlanes: Plane[] }
  | { type: "notice"; at: Date; message: string };

export type MonitorEventType = MonitorEvent["type"];
export type MonitorListener = (event: MonitorEvent) => void;

/** A small synchronous event hub; listeners that throw are isolated from the engine. */
export class MonitorHub {
  private readonly listeners = new Set<MonitorListener>();

  subscribe(listener: MonitorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: MonitorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An observer must never break the engine.
      }
    }
  }
}

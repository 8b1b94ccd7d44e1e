import type { MonitorEvent } from "@millrace/scheduler";

interface ActiveStage {
  plane: string;
  stage: string;
  item: string;
  run: string;
  startedAt: number;
}

function shortRun(runId: string): string {
  return runId.replace(/^run-/, "").slice(0, 8);
}

function itemOf(event: { workItemKind: string | null; workItemId: string | null }): string {
  return event.workItemId ? `${event.workItemKind ?? "?"}:${event.workItemId}` : "-";
}

function seconds(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return total < 60 ? `${total}s` : `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
}

/**
 * What a daemon on a terminal shows without `--monitor`: one line per stage in flight (plane,
 * stage, work item, run, elapsed time, tokens the run has used so far) and one permanent line per
 * completed stage. Runners report tokens when a stage ends, so "so far" means the run's finished
 * stages. Pure: fed events and the time, it returns text.
 */
export class LiveStageBoard {
  private readonly active = new Map<string, ActiveStage>();
  private readonly runTokens = new Map<string, number>();

  /** Takes an event; returns the permanent lines it produces (completed stages, stops). */
  apply(event: MonitorEvent): string[] {
    switch (event.type) {
      case "stage_started":
        this.active.set(event.plane, {
          plane: event.plane,
          stage: event.stage,
          item: itemOf(event),
          run: event.runId,
          startedAt: event.at.getTime(),
        });
        return [];
      case "stage_completed": {
        this.active.delete(event.plane);
        const total = (this.runTokens.get(event.runId) ?? 0) + (event.tokenUsage?.total_tokens ?? 0);
        this.runTokens.set(event.runId, total);
        const failure = event.failureClass ? ` failure=${event.failureClass}` : "";
        const used = event.tokenUsage ? ` tokens=${event.tokenUsage.total_tokens}` : "";
        return [
          `done ${event.plane}/${event.stage} ${itemOf(event)} run=${shortRun(event.runId)} result=${event.terminalResult} ${event.durationSeconds.toFixed(1)}s${used}${failure}`,
        ];
      }
      case "runtime_paused":
        return [`paused: ${event.reason}`];
      case "runtime_stopped":
        this.active.clear();
        return [];
      default:
        return [];
    }
  }

  /** One line per stage in flight, as of `now`. */
  activeLines(now: number): string[] {
    return [...this.active.values()].map((stage) => {
      const tokens = this.runTokens.get(stage.run) ?? 0;
      return `running ${stage.plane}/${stage.stage} ${stage.item} run=${shortRun(stage.run)} ${seconds(now - stage.startedAt)} tokens=${tokens}`;
    });
  }
}

import {
  type ActiveRunState,
  type AnsweredLivenessGrade,
  formatTimestamp,
  type LivenessGrade,
  type LivenessResponse,
  type Plane,
  type StageRunRequest,
} from "@millrace/contracts";
import type { EngineContext } from "../state/context.js";
import { classifyStage, type StageClassification } from "./classify.js";
import { recordDetachedEvent } from "./detached-events.js";
import { lastOutputAt, stageProcessState } from "./evidence.js";
import type { CompletionHistory } from "./history.js";
import { sendLivenessNotification } from "./notify.js";
import { livenessThresholds } from "./thresholds.js";

/** A response that ends the stage early; the engine acts on it when the stage has settled. */
export interface LivenessStop {
  readonly grade: AnsweredLivenessGrade;
  readonly response: "pause_item" | "recovery_request";
  readonly reason: string;
}

export interface StageWatchTarget {
  readonly plane: Plane;
  readonly run: ActiveRunState;
  readonly request: StageRunRequest;
  /** Stops the stage's runner (its process tree is killed as on a timeout). */
  readonly abort: () => void;
}

/**
 * Watches one running stage: a check when it starts (history rules only: nothing is on disk yet),
 * then one per `check_interval_seconds` (a few file stats) until the stage settles. Each grade is
 * answered at most once per stage (edge-triggered): the change is noted as `liveness_changed`,
 * `notify` and stronger responses send the configured notifications, `pause_item` and
 * `recovery_request` also stop the stage.
 */
export class StageWatch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private grade: LivenessGrade = "progressing";
  /** Grades already answered for this stage (a return to progressing is noted once too). */
  private readonly answered = new Set<LivenessGrade>();
  private readonly startedAt = Date.now();
  private ended = false;
  stop: LivenessStop | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly target: StageWatchTarget,
    private readonly history: CompletionHistory,
    private readonly track: (work: Promise<void>) => void,
  ) {}

  begin(): void {
    this.check(true);
    if (this.ended) return;
    const ms = this.ctx.config.liveness.check_interval_seconds * 1000;
    this.timer = setInterval(() => this.check(false), ms);
    // A watch never keeps the process alive on its own: the stage's runner does.
    this.timer.unref?.();
  }

  end(): void {
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(initial: boolean): void {
    if (this.ended) return;
    try {
      const { request, run } = this.target;
      const config = this.ctx.config.liveness;
      const now = Date.now();
      const verdict = classifyStage(
        {
          ownerAlive: true,
          process: initial ? "none" : stageProcessState(this.ctx.paths.runtimeRoot, request.run_dir),
          startedAt: this.startedAt,
          lastOutputAt: initial ? null : lastOutputAt(request.run_dir, request.request_id),
          workItemId: run.work_item_id ?? null,
        },
        this.history.list(),
        livenessThresholds(config, request.timeout_seconds),
        now,
      );
      if (verdict.grade === this.grade) return;
      const previous = this.grade;
      this.grade = verdict.grade;
      if (this.answered.has(verdict.grade)) return;
      this.answered.add(verdict.grade);
      this.answer(previous, verdict);
    } catch {
      // A check that cannot read its evidence is skipped; it never disturbs the stage.
    }
  }

  private answer(previous: LivenessGrade, verdict: StageClassification): void {
    const { plane, run, request } = this.target;
    const grade = verdict.grade;
    const answered = grade === "progressing" || grade === "orphaned" ? undefined : grade;
    const response: LivenessResponse = answered ? this.ctx.config.liveness.responses[answered] : "note";
    recordDetachedEvent(this.ctx, "liveness_changed", {
      plane,
      run_id: run.run_id,
      request_id: request.request_id,
      stage: run.stage,
      work_item_id: run.work_item_id ?? null,
      previous,
      grade,
      reason: verdict.reason,
      response,
      silent_seconds: verdict.silentSeconds,
    });
    if (response !== "note") this.notify(previous, verdict, response);
    if (answered && (response === "pause_item" || response === "recovery_request")) {
      this.stop = { grade: answered, response, reason: verdict.reason };
      this.end();
      this.target.abort();
    }
  }

  private notify(previous: LivenessGrade, verdict: StageClassification, response: LivenessResponse): void {
    const { plane, run, request } = this.target;
    const config = this.ctx.config.liveness;
    if (config.notify_command.length === 0 && !config.webhook_url) return;
    const sent = sendLivenessNotification(
      config,
      {
        kind: "millrace_liveness",
        workspace: this.ctx.paths.root,
        plane,
        run_id: run.run_id,
        request_id: request.request_id,
        stage: run.stage,
        work_item_id: run.work_item_id ?? null,
        previous,
        grade: verdict.grade,
        reason: verdict.reason,
        response,
        at: formatTimestamp(new Date()),
      },
      { cwd: this.ctx.paths.root, env: this.ctx.env },
    ).then((outcomes) => {
      for (const outcome of outcomes) {
        recordDetachedEvent(this.ctx, "liveness_notified", {
          plane,
          run_id: run.run_id,
          grade: verdict.grade,
          channel: outcome.channel,
          ok: outcome.ok,
          detail: outcome.detail,
        });
      }
    });
    this.track(sent.catch(() => undefined));
  }
}

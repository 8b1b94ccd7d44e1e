import type {
  ActiveRunState,
  Plane,
  RuntimeErrorCode,
  StageResultEnvelope,
  StageRunRequest,
} from "@millrace/contracts";
import type { LivenessStop } from "../liveness/stage-watch.js";
import type { RouterDecision } from "./router.js";

/** One finished stage, as the dispatcher returned it. */
export interface StageCompletion {
  plane: Plane;
  run: ActiveRunState;
  request: StageRunRequest;
  envelope: StageResultEnvelope;
  /** Absolute path of `runs/<run_id>/stage_results/<request_id>.json`. */
  stageResultPath: string;
  /** Set when a liveness response stopped the stage (pause the item, or hand it to recovery). */
  livenessStop?: LivenessStop;
}

export interface AppliedStage {
  decision: RouterDecision | null;
  /** Set when the runtime itself failed after the stage and scheduled a repair stage. */
  runtimeErrorCode: RuntimeErrorCode | null;
  /** True when the plane's run ended (idle, blocked or handoff). */
  runEnded: boolean;
  /** Set when the stage was held, not routed, because its runner could not start or authenticate. */
  runnerHold?: RunnerHold;
}

/** A stage held for its runner: the run stays at this node and runs again when the pause lifts. */
export interface RunnerHold {
  runner: string;
  failureClass: "runner_unavailable" | "runner_auth_failure";
}

import { createHash } from "node:crypto";
import type { RuntimeEvent, SupervisorReport } from "@millrace/contracts";

/**
 * Events that mean the engine moved work forward. Control, mailbox, liveness and intake events are
 * left out: Sentinel's own recovery requests produce those, and they must not count as progress.
 */
const PROGRESS_EVENTS: ReadonlySet<string> = new Set([
  "stage_started",
  "stage_completed",
  "router_decision",
  "work_item_activated",
  "closure_target_closed",
  "idea_normalized_to_spec",
  "learning_request_enqueued",
]);

export interface ProgressSignature {
  /** sha256 of all components, shortened. */
  readonly signature: string;
  readonly components: Readonly<Record<string, string>>;
}

/**
 * What counts as progress: the planes' status markers, the active run and stage, the execution,
 * learning and blocked queue counts (not planning: recovery incidents land there), how many stages
 * completed within the recent events, and the newest progress event.
 */
export function progressSignature(
  report: SupervisorReport,
  events: readonly RuntimeEvent[],
): ProgressSignature {
  const progress = events.filter((event) => PROGRESS_EVENTS.has(event.event_type));
  const newest = progress.at(-1);
  const components: Record<string, string> = {
    status_markers: `${report.planes.execution.status_marker}|${report.planes.planning.status_marker}`,
    active_stage: `${report.current_run_id ?? "-"}|${report.current_stage ?? "-"}`,
    queue_counts: `${report.backlog.execution}|${report.backlog.learning}|${report.backlog.blocked}`,
    completed_stages: String(progress.filter((event) => event.event_type === "stage_completed").length),
    last_progress_event: newest ? `${newest.occurred_at}|${newest.event_type}` : "-",
  };
  const hash = createHash("sha256");
  for (const key of Object.keys(components).sort()) hash.update(`${key}=${components[key]}\n`);
  return { signature: hash.digest("hex").slice(0, 16), components };
}

/** The component names whose value differs (all of them when there is no previous signature). */
export function changedComponents(
  previous: Readonly<Record<string, string>> | undefined,
  current: Readonly<Record<string, string>>,
): string[] {
  return Object.keys(current).filter((key) => previous?.[key] !== current[key]);
}

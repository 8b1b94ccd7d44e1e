import { tailEvents } from "@millrace/workspace";
import type { EngineContext } from "./context.js";

/** True when an execution stage completed after the event log first mentions `runId`. */
export function executionRanSince(ctx: EngineContext, runId: string): boolean {
  const events = tailEvents(ctx.paths.runtimeEvents, 5000);
  let seen = false;
  for (const event of events) {
    if (!seen && JSON.stringify(event.data).includes(runId)) seen = true;
    else if (seen && event.event_type === "stage_completed" && event.data.plane === "execution") return true;
  }
  return !seen;
}

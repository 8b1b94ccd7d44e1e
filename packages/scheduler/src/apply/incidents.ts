import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { type DocumentKind, formatTimestamp, type IncidentDocumentSchema } from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import type { z } from "zod";
import { type EngineContext, recordEvent } from "../state/context.js";
import type { RouterDecision } from "./router.js";
import { findDocument } from "./run-end.js";
import type { StageCompletion } from "./stage-completion.js";

export type IncidentDocumentInput = z.input<typeof IncidentDocumentSchema>;

export function hex8(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 8);
}

/** The handoff incident a NEEDS_PLANNING (or similar) escalation opens, with the source's lineage. */
export function handoffIncident(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
): IncidentDocumentInput {
  const { run, envelope, request } = completion;
  const kind = run.work_item_kind as DocumentKind;
  const id = run.work_item_id as string;
  const source = findDocument(ctx, kind, id);
  const lineage: Partial<IncidentDocumentInput> = {};
  if (source?.kind === "task") {
    const rootSpec = source.root_spec_id ?? source.spec_id;
    Object.assign(lineage, {
      root_idea_id: source.root_idea_id,
      root_spec_id: rootSpec,
      source_spec_id: rootSpec,
      source_task_id: source.task_id,
      root_intake_kind: source.root_intake_kind,
      root_intake_id: source.root_intake_id,
    });
  } else if (source?.kind === "spec") {
    Object.assign(lineage, {
      root_idea_id: source.root_idea_id,
      root_spec_id: source.root_spec_id ?? source.spec_id,
      source_spec_id: source.spec_id,
      root_intake_kind: source.root_intake_kind,
      root_intake_id: source.root_intake_id,
    });
  } else if (source?.kind === "incident") {
    Object.assign(lineage, {
      root_idea_id: source.root_idea_id,
      root_spec_id: source.root_spec_id,
      source_spec_id: source.source_spec_id,
      source_task_id: source.source_task_id,
      root_intake_kind: source.root_intake_kind,
      root_intake_id: source.root_intake_id,
    });
  }
  const now = formatTimestamp(ctx.clock());
  const evidence = [...envelope.artifact_paths];
  for (const extra of [
    request.preferred_rubric_path,
    request.preferred_verdict_path,
    request.preferred_report_path,
  ]) {
    if (extra && existsSync(extra)) evidence.push(extra);
  }
  return {
    kind: "incident",
    incident_id: `incident-${id}-${hex8(request.request_id)}`,
    title: `Planning handoff for ${kind} ${id}`,
    summary: `Stage ${run.stage} returned ${envelope.terminal_result}; planning remediation required.`,
    ...Object.fromEntries(Object.entries(lineage).filter(([, value]) => value != null)),
    source_stage: run.stage as IncidentDocumentInput["source_stage"],
    source_plane: run.plane,
    failure_class: decision.failureClass ?? "consultant_needs_planning",
    severity: "high",
    needs_planning: true,
    trigger_reason: decision.reason,
    consultant_decision: "needs_planning",
    observed_symptoms: envelope.notes.filter((note) => note.trim() !== ""),
    evidence_paths: evidence,
    related_run_ids: [run.run_id],
    related_stage_results: [toWorkspaceRelative(ctx.paths, completion.stageResultPath)],
    opened_at: now,
    opened_by: "runtime",
  } as IncidentDocumentInput;
}

export function enqueueIncidentOnce(
  ctx: EngineContext,
  incident: IncidentDocumentInput,
  runId: string,
): void {
  const id = (incident as { incident_id: string }).incident_id;
  if (ctx.queue.find(id)) return;
  const ref = ctx.queue.enqueue("incident", incident);
  recordEvent(ctx, "runtime_handoff_incident_enqueued", {
    incident_id: id,
    path: toWorkspaceRelative(ctx.paths, ref.path),
    run_id: runId,
  });
}

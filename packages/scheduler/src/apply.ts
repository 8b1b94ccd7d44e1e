import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  type ActiveRunState,
  type CounterName,
  type DocumentKind,
  explainUnsafeId,
  formatTimestamp,
  type IncidentDocumentSchema,
  MillraceError,
  type Plane,
  RUNTIME_ERROR_CODES,
  type RuntimeErrorCode,
  type RuntimeErrorContext,
  RuntimeErrorContextSchema,
  type StageResultEnvelope,
  type StageRunRequest,
  type TaskDocument,
  type WorkDocument,
  workDocumentId,
} from "@millrace/contracts";
import { importWorkDocument, parseWorkDocument } from "@millrace/queue-store";
import { runDir, toWorkspaceRelative, writeFileAtomicSync, writeJsonAtomicSync } from "@millrace/workspace";
import type { z } from "zod";
import { activePlanes, executionRanSince, graphOf } from "./activation.js";
import { loadTarget, saveTarget } from "./closure-targets.js";
import { type EngineContext, emitMonitor, recordEvent } from "./context.js";
import { applyDeferredPromotions, recordCuratorPromotion } from "./promotions.js";
import { normalizeFailureClass, type RouterDecision, routeStageResult } from "./router.js";
import {
  clearItemCounters,
  counterTotals,
  idleAllMarkers,
  incrementCounters,
  readStatusMarker,
  resetCounters,
  withActiveRun,
  withAggregateCounters,
  withStatusMarker,
  writeStatusMarker,
} from "./state-store.js";

/** One finished stage, as the dispatcher returned it. */
export interface StageCompletion {
  plane: Plane;
  run: ActiveRunState;
  request: StageRunRequest;
  envelope: StageResultEnvelope;
  /** Absolute path of `runs/<run_id>/stage_results/<request_id>.json`. */
  stageResultPath: string;
}

export interface AppliedStage {
  decision: RouterDecision | null;
  /** Set when the runtime itself failed after the stage and scheduled a repair stage. */
  runtimeErrorCode: RuntimeErrorCode | null;
  /** True when the plane's run ended (idle, blocked or handoff). */
  runEnded: boolean;
}

type IncidentDocumentInput = z.input<typeof IncidentDocumentSchema>;

const IDLE = "### IDLE";
const marker = (token: string) => `### ${token}`;

function hex8(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 8);
}

function setPlaneMarker(
  ctx: EngineContext,
  plane: Plane,
  next: string,
  source: string,
  runId: string | null,
): void {
  const previous = ctx.snapshot.status_markers_by_plane[plane] ?? IDLE;
  writeStatusMarker(ctx.paths, plane, next);
  ctx.snapshot = withStatusMarker(ctx.snapshot, plane, next);
  // Stage starts and results already say what the marker shows; report only the other changes.
  if (previous !== next && source !== "router") {
    emitMonitor(ctx, {
      type: "status_marker_changed",
      at: ctx.clock(),
      plane,
      runId,
      previous,
      current: next,
      source,
    });
  }
}

function findDocument(ctx: EngineContext, kind: DocumentKind, id: string): WorkDocument | undefined {
  const refs = ctx.queue.findAll(id).filter((ref) => ref.kind === kind);
  const order = ["active", "queue", "blocked", "done"];
  refs.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
  const ref = refs[0];
  if (!ref) return undefined;
  try {
    return ctx.queue.readDocument(ref);
  } catch {
    return undefined;
  }
}

/** Moves the active document to done/resolved; a document already there is left alone (replay-safe). */
function completeItem(ctx: EngineContext, kind: DocumentKind, id: string): void {
  const where = ctx.queue.find(id);
  if (where?.state === "done") return;
  ctx.queue.complete(kind, id);
}

function blockItem(ctx: EngineContext, kind: DocumentKind, id: string): void {
  const where = ctx.queue.find(id);
  if (where?.state === "blocked") return;
  try {
    ctx.queue.block(kind, id);
  } catch (error) {
    recordEvent(ctx, "runtime_blocked_mark_failed", {
      work_item_kind: kind,
      work_item_id: id,
      error: (error as Error).message,
    });
  }
}

/** Ends a plane's run: removes it, clears the item's counters and failure state, writes the marker. */
function endRun(
  ctx: EngineContext,
  plane: Plane,
  run: ActiveRunState,
  markerAfter: string,
  failureClass: string | null,
) {
  ctx.snapshot = withActiveRun(ctx.snapshot, plane, undefined);
  if (run.work_item_kind && run.work_item_id) {
    ctx.counters = clearItemCounters(ctx.counters, run.work_item_kind, run.work_item_id);
  }
  ctx.snapshot = withAggregateCounters(
    { ...ctx.snapshot, current_failure_class: failureClass },
    counterTotals(ctx.counters, null, null),
  );
  if (markerAfter === IDLE && activePlanes(ctx).length === 0) {
    for (const p of ["execution", "planning", "learning"] as const) {
      if (p !== plane && (ctx.snapshot.status_markers_by_plane[p] ?? IDLE) !== IDLE)
        setPlaneMarker(ctx, p, IDLE, "runtime_idle", null);
    }
    ctx.snapshot = idleAllMarkers(ctx.snapshot);
  }
  setPlaneMarker(ctx, plane, markerAfter, "router", run.run_id);
}

/** The handoff incident a NEEDS_PLANNING (or similar) escalation opens, with the source's lineage. */
function handoffIncident(
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

function enqueueIncidentOnce(ctx: EngineContext, incident: IncidentDocumentInput, runId: string): void {
  const id = (incident as { incident_id: string }).incident_id;
  if (ctx.queue.find(id)) return;
  const ref = ctx.queue.enqueue("incident", incident);
  recordEvent(ctx, "runtime_handoff_incident_enqueued", {
    incident_id: id,
    path: toWorkspaceRelative(ctx.paths, ref.path),
    run_id: runId,
  });
}

/** `Label: value` lines of a recon packet (the first occurrence of each label wins). */
function packetLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (match?.[1] && !labels.has(match[1].toLowerCase()))
      labels.set(match[1].toLowerCase(), (match[2] ?? "").trim());
  }
  return labels;
}

function reconInvalid(message: string): MillraceError {
  return new MillraceError("work_document_invalid", `recon hand-off refused: ${message}`, {
    details: { runtime_error_code: "recon_handoff_invalid" },
  });
}

/**
 * Effects of a recon hand-off: the recon packet must name this probe and agree with the outcome;
 * the generated task or spec is stamped with the probe's lineage and queued; the packet is archived
 * under `recon/packets/<packet id>.md`. Any violation blocks the probe (`recon_handoff_invalid`).
 */
function applyReconEffect(ctx: EngineContext, completion: StageCompletion, kind: "task" | "spec"): void {
  const probeId = completion.run.work_item_id as string;
  const dir = runDir(ctx.paths, completion.run.run_id);
  const packetFile = path.join(dir, "recon_packet.md");
  if (!existsSync(packetFile)) throw reconInvalid("the run folder has no recon_packet.md");
  const labels = packetLabels(readFileSync(packetFile, "utf8"));
  const expectedDecision = kind === "task" ? "to_execution" : "to_planning";
  if (labels.get("probe-id") !== probeId) {
    throw reconInvalid(`recon_packet.md names probe ${labels.get("probe-id") ?? "none"}, not ${probeId}`);
  }
  if ((labels.get("decision") ?? "").toLowerCase() !== expectedDecision) {
    throw reconInvalid(
      `recon_packet.md decides ${labels.get("decision") ?? "nothing"}, but the outcome hands off ${expectedDecision}`,
    );
  }
  const packetId = labels.get("recon-packet-id") || `${probeId}-${completion.run.run_id}`;
  if (explainUnsafeId(packetId))
    throw reconInvalid(`Recon-Packet-ID ${JSON.stringify(packetId)} is not a safe id`);
  const base = kind === "task" ? "generated_task" : "generated_spec";
  const file = [".md", ".json"]
    .map((ext) => path.join(dir, `${base}${ext}`))
    .find((candidate) => existsSync(candidate));
  if (!file)
    throw reconInvalid(
      `the outcome hands off to ${kind === "task" ? "execution" : "planning"} but there is no ${base}.md`,
    );
  const text = readFileSync(file, "utf8");
  const relative = toWorkspaceRelative(ctx.paths, file);
  const doc = file.endsWith(".json")
    ? importWorkDocument(text, kind, relative)
    : parseWorkDocument(text, { file: relative, kind });
  const id = workDocumentId(doc);
  const emitted = labels.get(kind === "task" ? "emitted-task-id" : "emitted-spec-id");
  if (emitted && emitted !== id) throw reconInvalid(`recon_packet.md emits ${emitted}, but ${base} is ${id}`);
  if (ctx.queue.find(id)) return; // already queued by an earlier application of this result
  mkdirSync(ctx.paths.reconPackets, { recursive: true });
  const copy = path.join(ctx.paths.reconPackets, `${packetId}.md`);
  if (!existsSync(copy)) copyFileSync(packetFile, copy);
  const references = [
    ...(doc as TaskDocument).references,
    `millrace-agents/probes/active/${probeId}.md`,
    toWorkspaceRelative(ctx.paths, copy),
  ];
  const stamped = {
    ...doc,
    root_intake_kind: "probe",
    root_intake_id: probeId,
    references,
    ...(kind === "spec"
      ? {
          source_type: "probe",
          source_id: probeId,
          root_spec_id: (doc as { root_spec_id?: string }).root_spec_id ?? id,
        }
      : {}),
  };
  ctx.queue.enqueue(kind, stamped as never);
  recordEvent(ctx, "recon_handoff_enqueued", { probe_id: probeId, kind, id, recon_packet_id: packetId });
}

function applyClosureDecision(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
): void {
  const { run, request, envelope } = completion;
  const rootSpecId = run.closure_target_root_spec_id as string;
  const target = loadTarget(ctx.paths, rootSpecId);
  if (!target)
    throw new MillraceError(
      "closure_target_conflict",
      `closure target ${rootSpecId} disappeared during its Arbiter run`,
    );
  const previousArbiterRun = target.last_arbiter_run_id ?? null;
  ctx.closureHolds.set(rootSpecId, run.run_id);
  const updated = {
    ...target,
    closure_blocked_by_lineage_work: false,
    blocking_work_ids: [],
    last_arbiter_run_id: run.run_id,
  };
  if (request.preferred_verdict_path && existsSync(request.preferred_verdict_path)) {
    updated.latest_verdict_path = toWorkspaceRelative(ctx.paths, request.preferred_verdict_path);
  }
  const report = envelope.report_artifact ?? request.preferred_report_path;
  if (report && existsSync(report)) {
    mkdirSync(ctx.paths.arbiterReports, { recursive: true });
    const copy = path.join(ctx.paths.arbiterReports, `${run.run_id}.md`);
    copyFileSync(report, copy);
    updated.latest_report_path = toWorkspaceRelative(ctx.paths, copy);
  }
  if (decision.action === "idle") {
    saveTarget(ctx.paths, { ...updated, closure_open: false, closed_at: formatTimestamp(ctx.clock()) });
    recordEvent(ctx, "closure_target_closed", { root_spec_id: rootSpecId, run_id: run.run_id });
    ctx.snapshot = withActiveRun(ctx.snapshot, "planning", undefined);
    ctx.snapshot = { ...ctx.snapshot, current_failure_class: null };
    setPlaneMarker(ctx, "planning", IDLE, "router", run.run_id);
    setPlaneMarker(ctx, "execution", IDLE, "router", null);
    return;
  }
  if (decision.action === "handoff") {
    if (previousArbiterRun && !executionRanSince(ctx, previousArbiterRun)) {
      saveTarget(ctx.paths, updated);
      recordEvent(ctx, "closure_repeated_remediation_blocked", {
        root_spec_id: rootSpecId,
        run_id: run.run_id,
        previous_run_id: previousArbiterRun,
      });
      endRun(ctx, "planning", run, marker("BLOCKED"), "closure_repeated_remediation_without_execution");
      return;
    }
    saveTarget(ctx.paths, updated);
    const incident: IncidentDocumentInput = {
      kind: "incident",
      incident_id: `arbiter-gap-${rootSpecId}-${hex8(request.request_id)}`,
      title: `Arbiter remediation for ${rootSpecId}`,
      summary: `The Arbiter found gaps between ${rootSpecId} and its seed idea; remediation planning required.`,
      root_idea_id: target.root_idea_id,
      root_spec_id: rootSpecId,
      source_spec_id: rootSpecId,
      source_stage: "arbiter",
      source_plane: "planning",
      failure_class: "arbiter_parity_gap",
      severity: "high",
      needs_planning: true,
      trigger_reason: decision.reason,
      consultant_decision: "needs_planning",
      observed_symptoms: envelope.notes.filter((note) => note.trim() !== ""),
      evidence_paths: [
        ...envelope.artifact_paths,
        ...[
          request.preferred_rubric_path,
          request.preferred_verdict_path,
          request.preferred_report_path,
        ].filter((file): file is string => Boolean(file && existsSync(file))),
      ],
      related_run_ids: [run.run_id],
      related_stage_results: [toWorkspaceRelative(ctx.paths, completion.stageResultPath)],
      opened_at: formatTimestamp(ctx.clock()),
      opened_by: "runtime",
    } as IncidentDocumentInput;
    enqueueIncidentOnce(ctx, incident, run.run_id);
    endRun(ctx, "planning", run, marker(decision.statusToken), "arbiter_parity_gap");
    return;
  }
  saveTarget(ctx.paths, updated);
  endRun(ctx, "planning", run, marker(decision.statusToken), decision.failureClass);
}

function applyDecision(ctx: EngineContext, completion: StageCompletion, decision: RouterDecision): boolean {
  const { plane, run } = completion;
  if (run.request_kind === "closure_target") {
    applyClosureDecision(ctx, completion, decision);
    return true;
  }
  const kind = run.work_item_kind as DocumentKind;
  const id = run.work_item_id as string;
  if (decision.action === "run_stage") {
    const failureKey =
      decision.failureClass ??
      (decision.counterIncrements.includes("fix_cycle_count") ? "fix_cycle" : "recoverable_failure");
    ctx.counters = resetCounters(ctx.counters, kind, id, decision.counterResets);
    ctx.counters = incrementCounters(
      ctx.counters,
      kind,
      id,
      failureKey,
      decision.counterIncrements,
      ctx.clock(),
    );
    const next: ActiveRunState = {
      ...run,
      stage: decision.nextStage as string,
      node_id: decision.nextNodeId as string,
      stage_kind_id: decision.nextStageKindId as string,
      active_since: formatTimestamp(ctx.clock()),
    };
    ctx.snapshot = withActiveRun(ctx.snapshot, plane, next);
    ctx.snapshot = withAggregateCounters(
      { ...ctx.snapshot, current_failure_class: decision.failureClass },
      counterTotals(ctx.counters, kind, id),
    );
    setPlaneMarker(ctx, plane, marker(decision.statusToken), "router", run.run_id);
    return false;
  }
  switch (decision.terminalActionId) {
    case "complete_source_after_effect": {
      // Blueprint planning's runtime effects (drafts and generated tasks as work items) are not
      // implemented yet: block the item visibly rather than completing it with nothing queued.
      blockItem(ctx, kind, id);
      recordEvent(ctx, "blueprint_effect_unsupported", {
        terminal_action_id: decision.terminalActionId,
        work_item_kind: kind,
        work_item_id: id,
        run_id: run.run_id,
      });
      endRun(ctx, plane, run, marker("BLOCKED"), "blueprint_effect_unsupported");
      return true;
    }
    case "recon_enqueue_task":
      applyReconEffect(ctx, completion, "task");
      completeItem(ctx, kind, id);
      break;
    case "recon_enqueue_spec":
      applyReconEffect(ctx, completion, "spec");
      completeItem(ctx, kind, id);
      break;
    default:
      if (decision.action === "idle") completeItem(ctx, kind, id);
      else if (decision.action === "handoff") {
        enqueueIncidentOnce(ctx, handoffIncident(ctx, completion, decision), run.run_id);
        blockItem(ctx, kind, id);
      } else blockItem(ctx, kind, id);
  }
  const after = decision.action === "idle" ? IDLE : marker(decision.statusToken);
  endRun(ctx, plane, run, after, decision.action === "idle" ? null : decision.failureClass);
  return true;
}

/** Learning requests the mode's trigger rules ask for; ids derive from the request id, so a replay adds none. */
function enqueueLearningRequests(ctx: EngineContext, completion: StageCompletion): void {
  if (!ctx.plan.learning_graph) return;
  const { run, envelope, request } = completion;
  for (const rule of ctx.plan.learning_trigger_rules) {
    if (rule.source_plane !== run.plane) continue;
    if (rule.source_stage !== run.stage && rule.source_stage !== run.stage_kind_id) continue;
    if (!rule.on_terminal_results.includes(envelope.terminal_result)) continue;
    const id = `learn-${createHash("sha256").update(`${request.request_id}:${rule.rule_id}`).digest("hex").slice(0, 12)}`;
    if (ctx.queue.find(id)) continue;
    ctx.queue.enqueue("learning_request", {
      kind: "learning_request",
      learning_request_id: id,
      title: `Learn from ${run.node_id} ${envelope.terminal_result}`,
      summary: `Runtime-generated by trigger rule ${rule.rule_id}`,
      requested_action: rule.requested_action,
      ...(rule.target_skill_id ? { target_skill_id: rule.target_skill_id } : {}),
      target_stage: rule.target_stage as never,
      source_refs: [
        `run:${run.run_id}`,
        `request:${request.request_id}`,
        `node:${run.node_id}`,
        `stage_kind:${run.stage_kind_id}`,
        `stage:${run.stage}`,
        `terminal:${envelope.terminal_result}`,
      ],
      preferred_output_paths: rule.preferred_output_paths,
      trigger_metadata: {
        rule_id: rule.rule_id,
        source_plane: run.plane,
        source_stage: run.stage,
        source_node_id: run.node_id,
        source_stage_kind_id: run.stage_kind_id,
        terminal_result: envelope.terminal_result,
        run_id: run.run_id,
        work_item_kind: run.work_item_kind ?? null,
        work_item_id: run.work_item_id ?? null,
      },
      originating_run_ids: [run.run_id],
      artifact_paths: [completion.stageResultPath],
      created_at: formatTimestamp(ctx.clock()),
      created_by: "millrace runtime",
    });
    recordEvent(ctx, "learning_request_enqueued", {
      learning_request_id: id,
      rule_id: rule.rule_id,
      run_id: run.run_id,
    });
  }
}

/**
 * The authoritative application of one stage result: learning triggers, routing, the status marker,
 * and the decision's moves and counters. A failure of the runtime itself after the stage ran is
 * routed to the plane's repair stage with an error report (learning-plane failures block the
 * request, since that plane has no repair stage).
 */
export function applyStageCompletion(ctx: EngineContext, completion: StageCompletion): AppliedStage {
  const { plane, run, envelope } = completion;
  const current = ctx.snapshot.active_runs_by_plane[plane];
  if (!current || current.run_id !== run.run_id || current.node_id !== run.node_id) {
    recordEvent(ctx, "stage_result_discarded", {
      plane,
      run_id: run.run_id,
      node_id: run.node_id,
      reason: "the run changed while the stage ran (retried or cleared by an operator)",
    });
    return { decision: null, runtimeErrorCode: null, runEnded: false };
  }
  const graph = graphOf(ctx.plan, plane);
  if (plane === "execution") {
    // New execution work changes what an Arbiter would see: held closure targets may be judged again.
    for (const root of ctx.closureHolds.keys()) ctx.closureHolds.set(root, "");
  }
  let decision: RouterDecision | null = null;
  try {
    if (!graph) throw new MillraceError("engine_state_invalid", `the compiled plan has no ${plane} graph`);
    enqueueLearningRequests(ctx, completion);
    decision = routeStageResult({
      graph,
      run,
      result: envelope,
      counters: counterTotals(ctx.counters, run.work_item_kind ?? null, run.work_item_id ?? null),
      currentFailureClass: ctx.snapshot.current_failure_class ?? null,
    });
    if (run.stage === "troubleshooter" || run.stage === "mechanic")
      rmSync(ctx.paths.runtimeErrorContext, { force: true });
    const runEnded = applyDecision(ctx, completion, decision);
    recordCuratorPromotion(ctx, completion);
    applyDeferredPromotions(ctx);
    return { decision, runtimeErrorCode: null, runEnded };
  } catch (error) {
    return scheduleRepair(ctx, completion, decision, error);
  }
}

function scheduleRepair(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision | null,
  error: unknown,
): AppliedStage {
  const { plane, run, envelope } = completion;
  const err = error instanceof Error ? error : new Error(String(error));
  const declared = (err as MillraceError).details?.runtime_error_code as RuntimeErrorCode | undefined;
  const queueConflict =
    MillraceError.isInstance(err) && err.code.startsWith("queue_") && decision?.action === "idle";
  const code: RuntimeErrorCode =
    declared ??
    ((queueConflict
      ? `${plane}_work_item_completion_conflict`
      : `${plane}_post_stage_apply_failed`) as RuntimeErrorCode);
  const graph = graphOf(ctx.plan, plane);
  const repairNodeId =
    graph?.runtime_failure_recovery?.default_repair_node_id ??
    (plane === "execution" ? "troubleshooter" : plane === "planning" ? "mechanic" : null);
  const repairNode = repairNodeId ? graph?.nodes.find((node) => node.node_id === repairNodeId) : undefined;
  // Runtime-error repairs have their own budget (the graph's runtime_failure_recovery, default 2):
  // a failure the repair stage cannot remove must not loop forever.
  const budget = graph?.runtime_failure_recovery?.threshold ?? 2;
  const repairsSoFar =
    run.work_item_kind && run.work_item_id
      ? ctx.counters.entries
          .filter(
            (entry) =>
              entry.work_item_kind === run.work_item_kind &&
              entry.work_item_id === run.work_item_id &&
              (RUNTIME_ERROR_CODES as readonly string[]).includes(entry.failure_class),
          )
          .reduce((sum, entry) => sum + entry.troubleshoot_attempt_count + entry.mechanic_attempt_count, 0)
      : 0;
  const exhausted = repairsSoFar >= budget;
  const repairable =
    Boolean(repairNode) &&
    !exhausted &&
    run.request_kind !== "closure_target" &&
    declared !== "recon_handoff_invalid";
  const dir = runDir(ctx.paths, run.run_id);
  mkdirSync(dir, { recursive: true });
  const reportPath = path.join(dir, "runtime_error_report.md");
  const now = formatTimestamp(ctx.clock());
  const context: RuntimeErrorContext = RuntimeErrorContextSchema.parse({
    schema_version: "1.0",
    kind: "runtime_error_context",
    error_code: code,
    plane,
    failed_stage: run.stage,
    repair_stage: repairable ? (repairNode?.stage as string) : run.stage,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    run_id: run.run_id,
    router_action: decision?.action ?? null,
    terminal_result: envelope.terminal_result,
    stage_result_path: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
    report_path: toWorkspaceRelative(ctx.paths, reportPath),
    exception_type: MillraceError.isInstance(err) ? `MillraceError:${err.code}` : err.name,
    exception_message: err.message,
    captured_at: now,
  });
  writeFileAtomicSync(
    reportPath,
    [
      "# Runtime Error Report",
      "",
      `Error-Code: ${code}`,
      `Plane: ${plane}`,
      `Failed-Stage: ${run.stage}`,
      `Repair-Stage: ${context.repair_stage}`,
      `Run-ID: ${run.run_id}`,
      `Work-Item: ${run.work_item_kind ?? "none"} ${run.work_item_id ?? ""}`.trimEnd(),
      `Router-Action: ${decision?.action ?? "none"}`,
      `Terminal-Result: ${envelope.terminal_result}`,
      `Stage-Result-Path: ${context.stage_result_path}`,
      `Exception-Type: ${context.exception_type}`,
      `Exception-Message: ${err.message.replace(/\s+/g, " ")}`,
      `Captured-At: ${now}`,
      "",
      "Summary:",
      `- The stage finished with ${envelope.terminal_result}, then the runtime failed while applying the result.`,
      repairable
        ? `- The ${context.repair_stage} stage is scheduled to repair the work item before it continues.`
        : exhausted
          ? `- The runtime-error repair budget (${budget}) is spent; the work item is blocked for an operator to inspect.`
          : "- The work item is blocked for an operator to inspect.",
      "",
    ].join("\n"),
  );
  recordEvent(ctx, "runtime_post_stage_recovery_scheduled", {
    error_code: code,
    plane,
    failed_stage: run.stage,
    repair_stage: context.repair_stage,
    repair_node_id: repairable ? repairNode?.node_id : null,
    repair_stage_kind_id: repairable ? repairNode?.stage_kind_id : null,
    router_action: decision?.action ?? null,
    terminal_result: envelope.terminal_result,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    exception_type: context.exception_type,
    exception_message: err.message,
    report_path: context.report_path,
  });
  if (repairable && repairNode) {
    writeJsonAtomicSync(ctx.paths.runtimeErrorContext, context);
    const counter: CounterName =
      plane === "planning" ? "mechanic_attempt_count" : "troubleshoot_attempt_count";
    if (run.work_item_kind && run.work_item_id) {
      ctx.counters = incrementCounters(
        ctx.counters,
        run.work_item_kind,
        run.work_item_id,
        code,
        [counter],
        ctx.clock(),
      );
    }
    ctx.snapshot = withActiveRun(ctx.snapshot, plane, {
      ...run,
      stage: repairNode.stage,
      node_id: repairNode.node_id,
      stage_kind_id: repairNode.stage_kind_id,
      active_since: now,
    });
    ctx.snapshot = { ...ctx.snapshot, current_failure_class: code };
    setPlaneMarker(ctx, plane, marker("BLOCKED"), "runtime_error", run.run_id);
    return { decision, runtimeErrorCode: code, runEnded: false };
  }
  if (run.request_kind === "closure_target") {
    endRun(ctx, plane, run, marker("BLOCKED"), code);
  } else {
    if (run.work_item_kind && run.work_item_id)
      blockItem(ctx, run.work_item_kind as DocumentKind, run.work_item_id);
    endRun(ctx, plane, run, marker("BLOCKED"), code);
  }
  return { decision, runtimeErrorCode: code, runEnded: true };
}

/** The runtime-error context, only when it matches the run exactly (the repair stage's request). */
export function matchingRuntimeError(
  ctx: EngineContext,
  run: ActiveRunState,
): RuntimeErrorContext | undefined {
  try {
    const context = RuntimeErrorContextSchema.parse(
      JSON.parse(readFileSync(ctx.paths.runtimeErrorContext, "utf8")),
    );
    const matches =
      context.plane === run.plane &&
      context.run_id === run.run_id &&
      context.repair_stage === run.stage &&
      (context.work_item_id ?? null) === (run.work_item_id ?? null) &&
      normalizeFailureClass(context.error_code) ===
        normalizeFailureClass(ctx.snapshot.current_failure_class ?? "");
    return matches ? context : undefined;
  } catch {
    return undefined;
  }
}

export { readStatusMarker };

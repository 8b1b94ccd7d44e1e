import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type ActiveRunState,
  type CapabilityGrant,
  type CompiledNode,
  type DocumentKind,
  formatTimestamp,
  type Plane,
  RUN_ARTIFACT_NAMES,
} from "@millrace/contracts";
import { ApprovalStore, type CapabilityGateResult, evaluateCapabilityGate } from "@millrace/governance";
import { runDir, writeJsonAtomicSync } from "@millrace/workspace";
import { blockItem, endRun, marker } from "../apply/run-end.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import { ADVISORY_NOTE, runnerEnforcement, supportOf, withAdvisoryGrants } from "./advisory-grants.js";
import { policyGrants } from "./stage-grants.js";

/** What a gate log line records of an evaluation. */
type GateRecord = Pick<CapabilityGateResult, "failure_class"> & {
  readonly findings: readonly {
    grant_id: string;
    capability_id: string;
    failure_class: string;
    reason: string;
  }[];
};

type GateOutcome = "allowed" | "waiting_for_approval" | "blocked" | "advisory";

/**
 * The last outcome noted per plane, with the run and node it was for, so each change is logged once,
 * not once per tick. One entry a plane (a plane runs one stage at a time), not one per run ever
 * seen: the daemon's memory stays flat however many runs it completes.
 */
const logged = new WeakMap<EngineContext, Map<Plane, { key: string; outcome: GateOutcome }>>();

/** Entries the gate remembers for `ctx` (at most one per plane); for tests of flat memory. */
export function gateMemorySize(ctx: EngineContext): number {
  return logged.get(ctx)?.size ?? 0;
}

/** Planes whose stage waits for an approval, with the waiting run (the daemon sleeps instead of spinning). */
const waiting = new WeakMap<EngineContext, Map<Plane, string>>();

export function waitingForApproval(ctx: EngineContext): boolean {
  return (waiting.get(ctx)?.size ?? 0) > 0;
}

/** Whether a plane's stage waits for a person's approval (nothing the engine can do until then). */
export function planeWaitsForApproval(ctx: EngineContext, plane: Plane): boolean {
  const runId = ctx.snapshot.active_runs_by_plane[plane]?.run_id;
  return runId !== undefined && waiting.get(ctx)?.get(plane) === runId;
}

function note(
  ctx: EngineContext,
  run: ActiveRunState,
  node: CompiledNode,
  outcome: GateOutcome,
  result: GateRecord,
): void {
  const byPlane = logged.get(ctx) ?? new Map<Plane, { key: string; outcome: GateOutcome }>();
  logged.set(ctx, byPlane);
  const key = `${run.run_id}/${node.node_id}`;
  const last = byPlane.get(run.plane);
  const previous = last?.key === key ? last.outcome : undefined;
  byPlane.set(run.plane, { key, outcome });
  // A stage allowed at once is the quiet, common case; only changes are logged.
  if (previous === outcome || (previous === undefined && outcome === "allowed")) return;
  recordEvent(ctx, "capability_gate_evaluated", {
    plane: run.plane,
    run_id: run.run_id,
    node_id: node.node_id,
    stage_kind_id: node.stage_kind_id,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    outcome,
    failure_class: result.failure_class ?? null,
    findings: result.findings.map(({ grant_id, capability_id, failure_class, reason }) => ({
      grant_id,
      capability_id,
      failure_class,
      reason,
    })),
  });
}

type AdvisoryGrant = { readonly grant_id: string; readonly capability_id: string; readonly reason: string };

/**
 * Logs (once per run and node) that the stage runs with grants it cannot enforce, and why: grants
 * that claimed enforcement, and grants the runner's sandbox would have held on a host that can run it.
 */
function noteAdvisory(
  ctx: EngineContext,
  run: ActiveRunState,
  node: CompiledNode,
  advisory: readonly { grant: CapabilityGrant; reason: string }[],
  host: readonly AdvisoryGrant[],
): void {
  const finding = (g: AdvisoryGrant, reason: string) => ({
    grant_id: g.grant_id,
    capability_id: g.capability_id,
    failure_class: "capability_grant_unsupported",
    reason,
  });
  const findings = [
    ...advisory.map(({ grant, reason }) => finding(grant, `needs enforcement, ${reason}; ${ADVISORY_NOTE}`)),
    ...host.map((g) => finding(g, `${g.reason}; ${ADVISORY_NOTE}`)),
  ];
  note(ctx, run, node, "advisory", { findings });
}

/** The refusal of a stage whose runner's own sandbox cannot run here: the host problem and the ways out. */
function hostRefusal(runner: string, problem: string): string {
  return `${runner}'s own sandbox cannot run on this host (${problem}); set [execution_capabilities] unenforceable = "advisory" to run its stages without it (recorded as advisory), or run where it can (millrace doctor reports runner_sandbox_unavailable)`;
}

/** Creates the approvals the gate asks for (one per grant and run) and logs each new one. */
function requestApprovals(
  ctx: EngineContext,
  store: ApprovalStore,
  run: ActiveRunState,
  node: CompiledNode,
  grants: readonly CapabilityGrant[],
): void {
  for (const grant of grants) {
    const approval = store.findOrCreate(grant, {
      run_id: run.run_id,
      plane: run.plane,
      node_id: node.node_id,
      stage_kind_id: node.stage_kind_id,
      work_item_kind: run.work_item_kind ?? null,
      work_item_id: run.work_item_id ?? null,
    });
    recordEvent(ctx, "capability_approval_requested", {
      approval_id: approval.approval_id,
      run_id: run.run_id,
      node_id: node.node_id,
      stage_kind_id: node.stage_kind_id,
      grant_id: grant.grant_id,
      capability_id: grant.capability_id,
      work_item_id: run.work_item_id ?? null,
    });
  }
}

/** Blocks the run's item with the gate's reason, recorded in `capability_gate.<node>.json`; the runner never starts. */
function block(
  ctx: EngineContext,
  run: ActiveRunState,
  node: CompiledNode,
  result: CapabilityGateResult,
): void {
  const dir = runDir(ctx.paths, run.run_id);
  mkdirSync(dir, { recursive: true });
  writeJsonAtomicSync(path.join(dir, RUN_ARTIFACT_NAMES.capabilityGate(node.node_id)), {
    kind: "capability_gate",
    run_id: run.run_id,
    node_id: node.node_id,
    stage_kind_id: node.stage_kind_id,
    failure_class: result.failure_class ?? null,
    findings: result.findings,
    evaluated_at: formatTimestamp(ctx.clock()),
  });
  if (run.request_kind !== "closure_target" && run.work_item_kind && run.work_item_id)
    blockItem(ctx, run.work_item_kind as DocumentKind, run.work_item_id);
  endRun(ctx, run.plane, run, marker("BLOCKED"), result.failure_class ?? "capability_grant_unsupported");
}

/**
 * The pre-dispatch capability gate (DESIGN decision 15), before a plane's next stage starts: a
 * required grant that policy leaves to a person creates an approval and the stage waits (no run
 * is spent) until it is decided; a denied, expired or unsupported one blocks the item with the
 * reason. Returns true when the stage must not start now.
 */
export function gateCapabilities(ctx: EngineContext, plane: Plane): boolean {
  waiting.get(ctx)?.delete(plane);
  const run = ctx.snapshot.active_runs_by_plane[plane];
  const node = run ? graphOf(ctx.plan, plane)?.nodes.find((n) => n.node_id === run.node_id) : undefined;
  if (!run || !node) return false;
  const policy = policyGrants(ctx, node);
  if (!policy || policy.length === 0) return false;
  const { grants, advisory } = withAdvisoryGrants(ctx, node, policy);
  const enforcement = runnerEnforcement(ctx, node, grants);
  const host = enforcement?.host_sandbox_unavailable;
  const runsAdvisory = ctx.config.execution_capabilities.unenforceable === "advisory";
  const needsApproval = grants.some((g) => g.decision_state === "approval_required");
  const store = needsApproval ? new ApprovalStore(ctx.paths, { now: ctx.clock }) : undefined;
  const result = evaluateCapabilityGate({
    grants,
    config: ctx.config.execution_capabilities,
    approvalStatus: (grant) => store?.forGrant(run.run_id, grant)?.status,
    support: supportOf(ctx, node, grants, enforcement),
    ...(enforcement && host !== undefined && !runsAdvisory
      ? { hostRefusal: hostRefusal(enforcement.runner, host) }
      : {}),
  });
  if (result.allowed) {
    // Under `unenforceable = "advisory"`, what the host's missing sandbox leaves unenforced is said too.
    const converted = new Set(advisory.map(({ grant }) => grant.grant_id));
    const hostAdvisory =
      host === undefined
        ? []
        : (enforcement?.grants ?? []).filter((g) => g.support === "advisory" && !converted.has(g.grant_id));
    if (advisory.length + hostAdvisory.length > 0) noteAdvisory(ctx, run, node, advisory, hostAdvisory);
    else note(ctx, run, node, "allowed", result);
    return false;
  }
  if (store && result.findings.every((finding) => finding.awaiting_approval)) {
    requestApprovals(ctx, store, run, node, result.approvals_to_request);
    note(ctx, run, node, "waiting_for_approval", result);
    const planes = waiting.get(ctx) ?? new Map<Plane, string>();
    waiting.set(ctx, planes);
    planes.set(plane, run.run_id);
    return true;
  }
  note(ctx, run, node, "blocked", result);
  block(ctx, run, node, result);
  return true;
}

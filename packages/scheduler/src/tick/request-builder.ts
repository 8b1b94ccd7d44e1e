import path from "node:path";
import {
  type ActiveRunState,
  type CapabilityGrant,
  type CompiledNode,
  type CompiledRunPlan,
  type DocumentKind,
  parseSealed,
  type RuntimeErrorContext,
  runningMarkerToken,
  type StageRunRequest,
  StageRunRequestSchema,
} from "@millrace/contracts";
import { runDir, type WorkspacePaths } from "@millrace/workspace";

/** What the engine knows about an open closure target when it builds an Arbiter request. */
export interface ClosureTargetRequestContext {
  targetPath: string;
  rootSpecId: string;
  rootIdeaId: string;
  canonicalRootSpecPath: string;
  canonicalSeedIdeaPath: string;
  rubricPath: string;
  verdictPath: string;
}

export interface BuildRequestInput {
  paths: WorkspacePaths;
  plan: CompiledRunPlan;
  node: CompiledNode;
  run: ActiveRunState;
  requestId: string;
  closure?: ClosureTargetRequestContext;
  /** Present only when it matches this run exactly (the repair stage of a runtime error). */
  runtimeError?: RuntimeErrorContext;
  /** Learning modes record which skills a stage saw. */
  skillRevisionEvidence?: boolean;
  /** The stage's execution-capability grants; null or absent when execution capabilities are off. */
  capabilityGrants?: CapabilityGrant[] | null;
}

function underRuntimeRoot(paths: WorkspacePaths, relative: string): string {
  return path.join(paths.runtimeRoot, relative);
}

/** Builds the one request a runner receives, from the compiled node and the active run. */
export function buildStageRunRequest(input: BuildRequestInput): StageRunRequest {
  const { paths, plan, node, run, requestId } = input;
  const dir = runDir(paths, run.run_id);
  const outcomes = Object.keys(node.allowed_result_classes_by_outcome);
  const workItem =
    run.work_item_kind && run.work_item_id
      ? {
          active_work_item_kind: run.work_item_kind,
          active_work_item_id: run.work_item_id,
          active_work_item_path: path.join(
            paths.queues[run.work_item_kind as DocumentKind].active,
            `${run.work_item_id}.md`,
          ),
        }
      : {};
  const closure = input.closure
    ? {
        closure_target_path: input.closure.targetPath,
        closure_target_root_spec_id: input.closure.rootSpecId,
        closure_target_root_idea_id: input.closure.rootIdeaId,
        canonical_root_spec_path: input.closure.canonicalRootSpecPath,
        canonical_seed_idea_path: input.closure.canonicalSeedIdeaPath,
        preferred_rubric_path: input.closure.rubricPath,
        preferred_verdict_path: input.closure.verdictPath,
        preferred_report_path: path.join(dir, "arbiter_report.md"),
      }
    : {};
  const errorContext = input.runtimeError
    ? {
        runtime_error_code: input.runtimeError.error_code,
        runtime_error_report_path: path.isAbsolute(input.runtimeError.report_path)
          ? input.runtimeError.report_path
          : path.join(paths.root, input.runtimeError.report_path),
        runtime_error_catalog_path: paths.runtimeErrorCatalog,
      }
    : {};
  // Sealed: the runners' dispatch then takes this frozen request without validating it again.
  return parseSealed(StageRunRequestSchema, {
    request_id: requestId,
    run_id: run.run_id,
    plane: node.plane,
    stage: node.stage,
    request_kind: run.request_kind,
    mode_id: plan.mode_id,
    compiled_plan_id: plan.compiled_plan_id,
    node_id: node.node_id,
    stage_kind_id: node.stage_kind_id,
    running_status_marker: node.running_status_marker.replace(/^### /, "") || runningMarkerToken(node.stage),
    legal_terminal_markers: outcomes.map((outcome) => `### ${outcome}`),
    allowed_result_classes_by_outcome: node.allowed_result_classes_by_outcome,
    entrypoint_path: underRuntimeRoot(paths, node.entrypoint_path),
    entrypoint_contract_id: node.entrypoint_contract_id,
    required_skill_paths: node.required_skill_paths.map((skill) => underRuntimeRoot(paths, skill)),
    attached_skill_paths: node.attached_skill_additions.map((skill) => underRuntimeRoot(paths, skill)),
    ...workItem,
    ...closure,
    run_dir: dir,
    summary_status_path: paths.statusFiles[node.plane],
    runtime_snapshot_path: paths.snapshot,
    recovery_counters_path: paths.recoveryCounters,
    preferred_troubleshoot_report_path:
      run.request_kind === "closure_target" ? null : path.join(dir, "troubleshoot_report.md"),
    ...errorContext,
    skill_revision_evidence_path: input.skillRevisionEvidence
      ? path.join(dir, `skill_revision_evidence.${requestId}.json`)
      : null,
    runner_name: node.runner_name,
    model_name: node.model_name,
    model_reasoning_effort: node.model_reasoning_effort,
    thinking_level: node.thinking_level,
    permission_profile: node.permission_profile,
    ...(input.capabilityGrants ? { capability_grants: input.capabilityGrants } : {}),
    timeout_seconds: node.timeout_seconds,
  });
}

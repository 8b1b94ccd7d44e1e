import path from "node:path";
import { type ActiveRunState, MillraceError, type StageRunRequest } from "@millrace/contracts";
import { matchingRuntimeError } from "../apply/repair.js";
import { stageGrants } from "../governance/stage-grants.js";
import { loadTarget } from "../state/closure-targets.js";
import type { EngineContext } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import { buildStageRunRequest, type ClosureTargetRequestContext } from "./request-builder.js";

/** What an Arbiter request needs to know about the run's closure target. */
function closureContext(ctx: EngineContext, run: ActiveRunState): ClosureTargetRequestContext | undefined {
  if (run.request_kind !== "closure_target" || !run.closure_target_root_spec_id) return undefined;
  const target = loadTarget(ctx.paths, run.closure_target_root_spec_id);
  if (!target)
    throw new MillraceError(
      "closure_target_conflict",
      `closure target ${run.closure_target_root_spec_id} is missing`,
    );
  return {
    targetPath: path.join(ctx.paths.arbiterTargets, `${target.root_spec_id}.json`),
    rootSpecId: target.root_spec_id,
    rootIdeaId: target.root_idea_id,
    canonicalRootSpecPath: path.join(ctx.paths.root, target.root_spec_path),
    canonicalSeedIdeaPath: path.join(ctx.paths.root, target.root_idea_path),
    rubricPath: path.join(ctx.paths.root, target.rubric_path),
    verdictPath: target.latest_verdict_path
      ? path.join(ctx.paths.root, target.latest_verdict_path)
      : path.join(ctx.paths.arbiterVerdicts, `${target.root_spec_id}.json`),
  };
}

/** Builds the request for a run's current node (used for dispatch and for re-applying a pending result). */
export function buildRunRequest(ctx: EngineContext, run: ActiveRunState, requestId: string): StageRunRequest {
  const graph = graphOf(ctx.plan, run.plane);
  const node = graph?.nodes.find((candidate) => candidate.node_id === run.node_id);
  if (!node) {
    throw new MillraceError(
      "engine_state_invalid",
      `the ${run.plane} run ${run.run_id} is at node ${run.node_id}, which the plan does not have`,
      {
        hint: "The plan changed under an active run; run `millrace retry-active` to restart the item.",
      },
    );
  }
  const closure = closureContext(ctx, run);
  const runtimeError = matchingRuntimeError(ctx, run);
  return buildStageRunRequest({
    paths: ctx.paths,
    plan: ctx.plan,
    node,
    run,
    requestId,
    ...(closure ? { closure } : {}),
    ...(runtimeError ? { runtimeError } : {}),
    skillRevisionEvidence: Boolean(ctx.plan.learning_graph),
    capabilityGrants: stageGrants(ctx, node, run.run_id),
  });
}

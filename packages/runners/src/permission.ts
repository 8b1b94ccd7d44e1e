import type { PermissionLevel, StageRunRequest } from "@millrace/contracts";

/** The permission keys every agent runner's config section has. */
export interface RunnerPermissionConfig {
  readonly permission_default: PermissionLevel;
  readonly permission_by_stage: Readonly<Record<string, PermissionLevel>>;
  readonly permission_by_model: Readonly<Record<string, PermissionLevel>>;
}

/**
 * The permission level a stage runs with (docs/compiled-plans.md): the runner config's
 * `permission_by_stage`, then `permission_by_model`, then the compiled node's profile, then the
 * runner's `permission_default`.
 */
export function resolvePermissionLevel(
  runner: RunnerPermissionConfig,
  request: StageRunRequest,
): PermissionLevel {
  const byStage = runner.permission_by_stage[request.stage];
  const byModel = request.model_name ? runner.permission_by_model[request.model_name] : undefined;
  return (byStage ?? byModel ?? request.permission_profile ?? runner.permission_default) as PermissionLevel;
}

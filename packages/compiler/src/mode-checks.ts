import type { Mode } from "@millrace/contracts";
import type { IssueList } from "./issues.js";

const MODE_MAPS = [
  "stage_entrypoint_overrides",
  "stage_skill_additions",
  "stage_model_bindings",
  "stage_runner_bindings",
  "stage_thinking_bindings",
  "stage_timeout_bindings",
  "stage_permission_bindings",
] as const;

/** Every key of a mode's per-stage maps must name a stage (kind or node id) of a selected loop. */
export function checkModeMaps(
  mode: Mode,
  modePath: string,
  selected: ReadonlySet<string>,
  issues: IssueList,
): void {
  for (const map of MODE_MAPS) {
    for (const stage of Object.keys(mode[map])) {
      if (!selected.has(stage)) {
        issues.error(
          "mode_map_unselected_stage",
          modePath,
          `${map}.${stage}`,
          `stage ${stage} is not in any loop this mode selects`,
          `remove the key or select a loop containing ${stage}`,
        );
      }
    }
  }
}

/** A concurrency policy may only name planes the mode selects a loop for. */
export function checkConcurrency(mode: Mode, modePath: string, issues: IssueList): void {
  const policy = mode.concurrency_policy;
  if (!policy) return;
  for (const [field, groups] of [
    ["mutually_exclusive_planes", policy.mutually_exclusive_planes],
    ["may_run_concurrently", policy.may_run_concurrently],
  ] as const) {
    for (const group of groups) {
      for (const plane of group) {
        if (!mode.loop_ids_by_plane[plane]) {
          issues.error(
            "mode_concurrency_plane",
            modePath,
            `concurrency_policy.${field}`,
            `plane ${plane} has no loop in this mode`,
            "name only planes the mode selects",
          );
        }
      }
    }
  }
}

import type { SentinelStatusOutput } from "@millrace/contracts";
import { requireInitialized, toWorkspaceRelative } from "@millrace/workspace";
import { sentinelPaths } from "./paths.js";
import { readSentinelState } from "./state-store.js";

/** The persisted Sentinel state, read only (no check is run). */
export function sentinelStatus(workspace: string): SentinelStatusOutput {
  const paths = requireInitialized(workspace);
  const files = sentinelPaths(paths);
  const state = readSentinelState(files) ?? null;
  return {
    available: state !== null,
    reason: state?.reason ?? "no-persisted-sentinel-state",
    state_path: toWorkspaceRelative(paths, files.stateFile),
    checks_path: toWorkspaceRelative(paths, files.checksFile),
    state,
  };
}

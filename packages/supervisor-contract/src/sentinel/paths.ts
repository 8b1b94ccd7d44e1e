import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";

/** Where Sentinel and manual recovery requests keep their files, under `millrace-agents/state/`. */
export interface SentinelPaths {
  readonly dir: string;
  readonly stateFile: string;
  readonly checksFile: string;
  readonly acknowledgmentsFile: string;
  readonly reportsDir: string;
  readonly latestReport: string;
  readonly recoveryRequestsDir: string;
  readonly latestRecoveryRequest: string;
}

export function sentinelPaths(paths: WorkspacePaths): SentinelPaths {
  const dir = path.join(paths.runtimeRoot, "state", "sentinel");
  const recovery = path.join(paths.runtimeRoot, "state", "recovery");
  return {
    dir,
    stateFile: path.join(dir, "state.json"),
    checksFile: path.join(dir, "checks.jsonl"),
    acknowledgmentsFile: path.join(dir, "acknowledgments.jsonl"),
    reportsDir: path.join(dir, "reports"),
    latestReport: path.join(dir, "reports", "latest.json"),
    recoveryRequestsDir: path.join(recovery, "requests"),
    latestRecoveryRequest: path.join(recovery, "latest.json"),
  };
}

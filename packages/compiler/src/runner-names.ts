import type { CompiledNode } from "@millrace/contracts";
import type { IssueList } from "./issues.js";

/** Runner names the shipped runners package registers; others are allowed (embedders) with a warning. */
export const KNOWN_RUNNER_NAMES = ["codex_cli", "claude_code", "pi_rpc", "scripted"] as const;

/** Warns about each node bound to a runner that is not built in: an embedder must register it. */
export function checkRunnerNames(nodes: readonly CompiledNode[], modePath: string, issues: IssueList): void {
  for (const node of nodes) {
    if (!(KNOWN_RUNNER_NAMES as readonly string[]).includes(node.runner_name)) {
      issues.warning(
        "runner_unknown",
        modePath,
        `node ${node.node_id}`,
        `runner ${node.runner_name} is not one of the built-in runners (${KNOWN_RUNNER_NAMES.join(", ")})`,
        "register the runner with the engine, or use a built-in runner",
      );
    }
  }
}

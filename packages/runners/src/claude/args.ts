import type { MillraceConfig, PermissionLevel, StageRunRequest } from "@millrace/contracts";
import { resolvePermissionLevel } from "../permission.js";
import { claudeGrantEnforcement } from "./grants.js";

export function claudePermissionFlags(level: PermissionLevel): string[] {
  switch (level) {
    case "basic":
      return ["--permission-mode", "acceptEdits"];
    case "elevated":
      return ["--permission-mode", "bypassPermissions"];
    default:
      return ["--dangerously-skip-permissions"];
  }
}

export function claudePermissionLevel(config: MillraceConfig, request: StageRunRequest): PermissionLevel {
  return resolvePermissionLevel(config.runners.claude, request);
}

/** Permission flags: from the stage's grants when present, else from the permission level. */
export function claudeSandboxFlags(config: MillraceConfig, request: StageRunRequest): string[] {
  if (request.capability_grants != null) return [...claudeGrantEnforcement(request.capability_grants).flags];
  return claudePermissionFlags(claudePermissionLevel(config, request));
}

/** Claude's `--effort` takes low|medium|high|xhigh|max; thinking levels map onto it. */
export function claudeEffort(request: StageRunRequest): string | undefined {
  const level = request.thinking_level ?? request.model_reasoning_effort ?? undefined;
  if (!level || level === "off") return undefined;
  return level === "minimal" ? "low" : level;
}

/** The argument vector after the command. The prompt goes on stdin: variadic flags would swallow it. */
export function claudeArgs(config: MillraceConfig, request: StageRunRequest): string[] {
  const effort = claudeEffort(request);
  return [
    ...config.runners.claude.args,
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--no-session-persistence",
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...(effort ? ["--effort", effort] : []),
    ...claudeSandboxFlags(config, request),
  ];
}

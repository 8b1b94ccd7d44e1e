import type { MillraceConfig, PermissionLevel, StageRunRequest } from "@millrace/contracts";
import { resolvePermissionLevel } from "../permission.js";
import { codexGrantEnforcement } from "./grants.js";
import type { CodexHostSandbox } from "./host-sandbox.js";

/** Sandbox flags of `codex exec` 0.169 for each permission level. */
export function codexPermissionFlags(level: PermissionLevel): string[] {
  switch (level) {
    case "basic":
      return ["--sandbox", "workspace-write"];
    case "elevated":
      return ["--sandbox", "danger-full-access"];
    default:
      return ["--dangerously-bypass-approvals-and-sandbox"];
  }
}

export function codexPermissionLevel(config: MillraceConfig, request: StageRunRequest): PermissionLevel {
  return resolvePermissionLevel(config.runners.codex, request);
}

/**
 * The stage's sandbox flags: derived from its grants when the engine passes them (execution
 * capabilities on), else from the permission level (`[execution_capabilities] enabled = false`).
 */
export function codexSandboxFlags(
  config: MillraceConfig,
  request: StageRunRequest,
  host?: CodexHostSandbox,
): string[] {
  if (request.capability_grants != null)
    return [...codexGrantEnforcement(request.capability_grants, host).flags];
  return codexPermissionFlags(codexPermissionLevel(config, request));
}

/** Reasoning effort: the request's thinking level (v0.20 name), its effort, then the runner default. */
export function codexEffort(config: MillraceConfig, request: StageRunRequest): string | undefined {
  if (request.thinking_level && request.thinking_level !== "off") return request.thinking_level;
  return request.model_reasoning_effort ?? config.runners.codex.model_reasoning_effort ?? undefined;
}

/** The complete argument vector after the command. The prompt goes on stdin (`-`). */
export function codexArgs(
  config: MillraceConfig,
  request: StageRunRequest,
  paths: { workspaceRoot: string; lastMessagePath: string },
  /** What the host makes of Codex's sandbox (default: it works). */
  host?: CodexHostSandbox,
): string[] {
  const codex = config.runners.codex;
  const effort = codexEffort(config, request);
  return [
    ...codex.args,
    ...(codex.profile ? ["--profile", codex.profile] : []),
    "--json",
    ...(codex.skip_git_repo_check ? ["--skip-git-repo-check"] : []),
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...codexSandboxFlags(config, request, host),
    ...codex.extra_config.flatMap((item) => ["-c", item]),
    // After extra_config, so a per-stage value wins over a global `-c model_reasoning_effort=…`.
    ...(effort ? ["-c", `model_reasoning_effort="${effort}"`] : []),
    "--cd",
    paths.workspaceRoot,
    "--output-last-message",
    paths.lastMessagePath,
    "-",
  ];
}

import type { MillraceConfig, StageRunRequest } from "@millrace/contracts";
import { piGrantEnforcement } from "./grants.js";

export function piThinking(config: MillraceConfig, request: StageRunRequest): string | undefined {
  return request.thinking_level ?? config.runners.pi.thinking ?? request.model_reasoning_effort ?? undefined;
}

export function piArgs(config: MillraceConfig, request: StageRunRequest): string[] {
  const pi = config.runners.pi;
  const thinking = piThinking(config, request);
  return [
    ...pi.args,
    "--mode",
    "rpc",
    "--no-session",
    ...(pi.provider ? ["--provider", pi.provider] : []),
    ...(request.model_name ? ["--model", request.model_name] : []),
    ...(thinking ? ["--thinking", thinking] : []),
    ...(pi.disable_context_files ? ["--no-context-files"] : []),
    ...(pi.disable_skills ? ["--no-skills"] : []),
    // Advisory: Pi has no sandbox, but its tool list still follows the grants.
    ...(request.capability_grants != null
      ? piGrantEnforcement(request.capability_grants, piToolsLimited(pi.args)).flags
      : []),
  ];
}

/** Whether `runners.pi.args` limits the tools Pi may use. */
export function piToolsLimited(args: readonly string[]): boolean {
  return args.some((arg) =>
    ["--tools", "--no-tools", "--no-builtin-tools"].includes(arg.split("=")[0] ?? arg),
  );
}

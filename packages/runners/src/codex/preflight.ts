import type {
  MillraceConfig,
  PreflightOptions,
  PreflightResult,
  RunnerEnvironment,
} from "@millrace/contracts";
import { agentPreflight } from "../preflight/agent-preflight.js";
import { levelPermissionFinding } from "../preflight/permission-finding.js";
import { codexPermissionFlags } from "./args.js";
import { codexCredential } from "./credentials.js";

export function codexPreflight(
  config: MillraceConfig,
  env: RunnerEnvironment,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const codex = config.runners.codex;
  return agentPreflight(
    {
      label: "Codex",
      // The version whose protocol the adapter and its fake were verified against.
      minimumVersion: "0.169.0",
      section: "codex",
      settings: codex,
      credential: codexCredential(config, env),
      permission: levelPermissionFinding({
        section: "codex",
        settings: codex,
        stages: options.stages,
        maximumGrants: codexPermissionFlags("maximum").join(" "),
        maximumRefusal: null,
      }),
    },
    env,
    options,
  );
}

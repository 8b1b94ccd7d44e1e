import type {
  MillraceConfig,
  PreflightOptions,
  PreflightResult,
  RunnerEnvironment,
} from "@millrace/contracts";
import { agentPreflight } from "../preflight/agent-preflight.js";
import { levelPermissionFinding } from "../preflight/permission-finding.js";
import { claudePermissionFlags } from "./args.js";
import { claudeCredential, claudeRefusesMaximum } from "./credentials.js";

export function claudePreflight(
  config: MillraceConfig,
  env: RunnerEnvironment,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const claude = config.runners.claude;
  const flag = claudePermissionFlags("maximum").join(" ");
  return agentPreflight(
    {
      label: "Claude Code",
      minimumVersion: "2.1.0",
      section: "claude",
      settings: claude,
      credential: claudeCredential(config, env),
      permission: levelPermissionFinding({
        section: "claude",
        settings: claude,
        stages: options.stages,
        maximumGrants: flag,
        maximumRefusal: claudeRefusesMaximum({ ...env, ...claude.env })
          ? `running as root, claude refuses ${flag} unless IS_SANDBOX=1`
          : null,
      }),
    },
    env,
    options,
  );
}

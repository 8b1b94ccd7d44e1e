import type {
  MillraceConfig,
  PreflightOptions,
  PreflightPermission,
  PreflightResult,
  RunnerEnvironment,
} from "@millrace/contracts";
import { agentPreflight } from "../preflight/agent-preflight.js";
import { piToolsLimited } from "./args.js";
import { PI_CAPABILITIES } from "./capabilities.js";
import { piCredential } from "./credentials.js";

/** Levels are advisory for Pi, so none are reported; what confines it is a tool allow-list. */
function piPermission(args: readonly string[]): PreflightPermission {
  const unconfined = PI_CAPABILITIES.sandbox === "unsupported" && !piToolsLimited(args);
  return {
    levels: [],
    summary: "tools are limited by runners.pi.args",
    risk: unconfined
      ? { kind: "unsandboxed", message: "pi runs read, bash, edit and write with no sandbox" }
      : null,
    refusal: null,
  };
}

export function piPreflight(
  config: MillraceConfig,
  env: RunnerEnvironment,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const pi = config.runners.pi;
  return agentPreflight(
    {
      label: "Pi",
      minimumVersion: "0.73.0",
      section: "pi",
      settings: pi,
      credential: { finding: piCredential(config, env), problems: [] },
      permission: piPermission(pi.args),
    },
    env,
    options,
  );
}

import type { FullDoctorCheck, MillraceConfig } from "@millrace/contracts";
import {
  CODEX_RUNNER_NAME,
  codexProbeInvocation,
  probeCodexSandbox,
  SANDBOX_PROBE_ROOT_ENV,
} from "@millrace/runners";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";
import type { Env, WhichFn } from "./runner-checks.js";

function check(code: DoctorCheckCode, message: string): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "runners",
    status: entry.status,
    path: null,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

/**
 * Whether Codex's own sandbox works on this host, asked of the installed Codex (its `sandbox`
 * self-check) when a stage uses Codex and the executable is found; a missing Codex is already
 * reported by the runner checks.
 */
export function hostSandboxChecks(
  config: MillraceConfig,
  used: ReadonlyMap<string, readonly string[]>,
  env: Env,
  which: WhichFn,
): FullDoctorCheck[] {
  if (!used.has(CODEX_RUNNER_NAME)) return [];
  const command = which(config.runners.codex.command, env);
  if (!command) return [];
  const root = env[SANDBOX_PROBE_ROOT_ENV];
  // The same invocation the pre-dispatch gate probes: a launcher's script arguments come along.
  const { args } = codexProbeInvocation(config);
  const probeEnv = { ...env, ...config.runners.codex.env };
  const probe = probeCodexSandbox({ command, args, env: probeEnv, ...(root ? { root } : {}) });
  switch (probe.verdict) {
    case "works":
      return [check("runner_sandbox_ok", `codex: its sandbox works on this host (${probe.reason})`)];
    case "unavailable":
      return [
        check("runner_sandbox_unavailable", `codex: its sandbox cannot run on this host: ${probe.reason}`),
      ];
    default:
      return [
        check(
          "runner_sandbox_unknown",
          `codex: could not tell whether its sandbox works here: ${probe.reason}`,
        ),
      ];
  }
}

import type { CapabilityGrant, MillraceConfig } from "@millrace/contracts";
import { allowsEverything } from "../capabilities/grant-sets.js";
import { probeCodexSandbox } from "./sandbox-probe.js";

/** Points the kernel-facts reading at another root (fake `/proc` and `/sys` files in tests). */
export const SANDBOX_PROBE_ROOT_ENV = "MILLRACE_SANDBOX_PROBE_ROOT";

type Env = Readonly<Record<string, string | undefined>>;

/** What the host makes of Codex's sandbox, for the flags and the verdict of one stage. */
export interface CodexHostSandbox {
  /** Why Codex's own sandbox cannot run on this host; null when it can, or when the probe cannot tell. */
  readonly problem: string | null;
  /** `[execution_capabilities] unenforceable`: only `advisory` lets a stage run without the sandbox. */
  readonly unenforceable: "refuse" | "advisory";
}

const SUBCOMMANDS = new Set(["exec", "e"]);

/**
 * The invocation the self-check runs: the configured command with the arguments before its `exec`
 * subcommand, so a `node codex.js exec` setup probes `node codex.js sandbox -- /bin/true`.
 */
export function codexProbeInvocation(config: MillraceConfig): { command: string; args: string[] } {
  const { command, args } = config.runners.codex;
  const at = args.findIndex((arg) => SUBCOMMANDS.has(arg));
  return { command, args: at < 0 ? [...args] : args.slice(0, at) };
}

/** Verdicts per Codex invocation and environment: the self-check starts a process, so once per process. */
const problems = new Map<string, string | null>();

/**
 * Why Codex's own sandbox cannot run on this host, or null. Probed at most once per process for each
 * Codex invocation (command, launcher arguments, `[runners.codex.env]`, PATH and probe root): a
 * host does not gain or lose kernel features between stages. An `unknown` verdict counts as
 * working, as it did before the probe existed; `millrace doctor` reports it.
 */
export function codexHostSandboxProblem(config: MillraceConfig, env: Env = process.env): string | null {
  const { command, args } = codexProbeInvocation(config);
  const codexEnv = config.runners.codex.env;
  // The key reads the two variables it needs without copying the whole environment (asked before
  // every Codex stage; the copy is made only when a probe runs).
  const pick = (name: string) => (Object.hasOwn(codexEnv, name) ? codexEnv[name] : env[name]);
  const root = pick(SANDBOX_PROBE_ROOT_ENV);
  const key = JSON.stringify([command, args, codexEnv, pick("PATH") ?? "", root ?? "/"]);
  const known = problems.get(key);
  if (known !== undefined) return known;
  const probeEnv = { ...env, ...codexEnv };
  const probe = probeCodexSandbox({ command, args, env: probeEnv, ...(root ? { root } : {}) });
  const problem = probe.verdict === "unavailable" ? probe.reason : null;
  problems.set(key, problem);
  return problem;
}

/**
 * The host side of a stage's Codex verdict. No probe without the agent's environment (a caller
 * asking about the grants alone, like doctor's capability checks, which report the host apart), nor
 * when the grants ask for no sandbox (execution capabilities off, or everything granted).
 */
export function codexHostSandbox(
  grants: readonly CapabilityGrant[] | null | undefined,
  config: MillraceConfig,
  env: Env | undefined,
): CodexHostSandbox {
  const unenforceable = config.execution_capabilities.unenforceable;
  if (env === undefined || grants == null || allowsEverything(grants))
    return { problem: null, unenforceable };
  return { problem: codexHostSandboxProblem(config, env), unenforceable };
}

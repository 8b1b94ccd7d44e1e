import { accessSync, constants, existsSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DoctorRunner, FullDoctorCheck, MillraceConfig } from "@millrace/contracts";
import {
  CLAUDE_RUNNER_NAME,
  CODEX_RUNNER_NAME,
  codexCredentialProblems,
  loadScriptFile,
  PI_RUNNER_NAME,
  type RunnerRegistry,
  SCRIPTED_RUNNER_NAME,
} from "@millrace/runners";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";
import type { UsedNode } from "./plan-checks.js";
import { probeVersion } from "./version-probe.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Resolves a command to an absolute executable path, or null. Injectable for tests. */
export type WhichFn = (command: string, env: Env) => string | null;

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PATH lookup like the runners do it: a command with a slash is a path, otherwise each PATH entry. */
export const defaultWhich: WhichFn = (command, env) => {
  if (command.includes("/")) {
    const file = path.resolve(command);
    return isExecutableFile(file) ? file : null;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (isExecutableFile(file)) return file;
  }
  return null;
};

export interface RunnerCheckInput {
  readonly config: MillraceConfig;
  readonly env: Env;
  readonly runtimeRoot: string;
  /** Runner name → node ids (or configured stages) that use it. */
  readonly used: ReadonlyMap<string, readonly string[]>;
  /** The compiled nodes of each runner, when the mode compiles (for effective permission levels). */
  readonly nodes?: ReadonlyMap<string, readonly UsedNode[]>;
  readonly registry: RunnerRegistry;
  readonly which: WhichFn;
  readonly versionTimeoutMs?: number;
}

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "runners",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

function isSet(env: Env, name: string): boolean {
  return (env[name] ?? "").trim().length > 0;
}

function homeOf(env: Env): string {
  return env.HOME ?? os.homedir();
}

interface Credential {
  state: DoctorRunner["credentials"];
  source: string | null;
  missing?: string;
}

function codexCredential(config: MillraceConfig, env: Env): Credential {
  const merged = { ...env, ...config.runners.codex.env };
  if (isSet(merged, "CODEX_API_KEY")) return { state: "present", source: "CODEX_API_KEY" };
  const auth = path.join(merged.CODEX_HOME ?? path.join(homeOf(merged), ".codex"), "auth.json");
  if (existsSync(auth)) return { state: "present", source: auth };
  if (codexCredentialProblems(config, env).length === 0) {
    return { state: "present", source: "custom model provider (runners.codex.extra_config)" };
  }
  const openai = isSet(merged, "OPENAI_API_KEY")
    ? " OPENAI_API_KEY is set, but `codex exec` authenticates with CODEX_API_KEY."
    : "";
  return {
    state: "missing",
    source: null,
    missing: `codex_cli: no CODEX_API_KEY (environment or [runners.codex.env]) and no ${auth} from \`codex login\`.${openai}`,
  };
}

function claudeCredential(config: MillraceConfig, env: Env): Credential {
  const merged = { ...env, ...config.runners.claude.env };
  for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"]) {
    if (isSet(merged, name)) return { state: "present", source: name };
  }
  const file = path.join(
    merged.CLAUDE_CONFIG_DIR ?? path.join(homeOf(merged), ".claude"),
    ".credentials.json",
  );
  if (existsSync(file)) return { state: "present", source: file };
  return {
    state: "missing",
    source: null,
    missing: `claude_code: no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN, and no ${file} from \`claude\` login.`,
  };
}

/** The key each Pi provider reads (Pi also accepts keys in its agent folder). */
const PI_PROVIDER_KEYS: Record<string, readonly string[]> = {
  anthropic: ["ANTHROPIC_API_KEY", "ANTHROPIC_OAUTH_TOKEN"],
  openai: ["OPENAI_API_KEY"],
  google: ["GEMINI_API_KEY"],
  gemini: ["GEMINI_API_KEY"],
  groq: ["GROQ_API_KEY"],
  xai: ["XAI_API_KEY"],
  openrouter: ["OPENROUTER_API_KEY"],
  mistral: ["MISTRAL_API_KEY"],
  cerebras: ["CEREBRAS_API_KEY"],
};

function piCredential(config: MillraceConfig, env: Env): Credential {
  const merged = { ...env, ...config.runners.pi.env };
  const provider = config.runners.pi.provider;
  const names = provider
    ? (PI_PROVIDER_KEYS[provider] ?? [])
    : [...new Set(Object.values(PI_PROVIDER_KEYS).flat())];
  const found = names.find((name) => isSet(merged, name));
  if (found) return { state: "present", source: found };
  const agentDir = merged.PI_CODING_AGENT_DIR ?? path.join(homeOf(merged), ".pi", "agent");
  for (const name of ["auth.json", "models.json"]) {
    const file = path.join(agentDir, name);
    if (existsSync(file)) return { state: "present", source: file };
  }
  const wanted = names.length > 0 ? names.join(" or ") : `the key of provider ${provider}`;
  return {
    state: "missing",
    source: null,
    missing: `pi_rpc: no ${wanted} in the environment or [runners.pi.env], and no auth.json or models.json in ${agentDir}.`,
  };
}

function permissionLevels(settings: {
  permission_default: string;
  permission_by_stage: Record<string, string>;
  permission_by_model: Record<string, string>;
}): { levels: string[]; maximumAt: string[] } {
  const where: Array<[string, string]> = [
    ["permission_default", settings.permission_default],
    ...Object.entries(settings.permission_by_stage).map(([stage, level]): [string, string] => [
      `permission_by_stage.${stage}`,
      level,
    ]),
    ...Object.entries(settings.permission_by_model).map(([model, level]): [string, string] => [
      `permission_by_model.${model}`,
      level,
    ]),
  ];
  return {
    levels: [...new Set(where.map(([, level]) => level))].sort(),
    maximumAt: where.filter(([, level]) => level === "maximum").map(([key]) => key),
  };
}

/**
 * The level each compiled node runs with, resolved like the runners do: permission_by_stage, then
 * permission_by_model, then the node's own profile, then permission_default.
 */
function effectiveNodeLevels(
  section: string,
  settings: {
    permission_default: string;
    permission_by_stage: Record<string, string>;
    permission_by_model: Record<string, string>;
  },
  nodes: readonly UsedNode[],
): { levels: string[]; maximumAt: string[] } {
  const resolved = nodes.map((node) => {
    const byStage = settings.permission_by_stage[node.stage];
    const byModel = node.model ? settings.permission_by_model[node.model] : undefined;
    const [level, source] =
      byStage !== undefined
        ? [byStage, `runners.${section}.permission_by_stage.${node.stage}`]
        : byModel !== undefined
          ? [byModel, `runners.${section}.permission_by_model.${node.model}`]
          : node.permissionProfile
            ? [node.permissionProfile, "the node's permission_profile"]
            : [settings.permission_default, `runners.${section}.permission_default`];
    return { node, level, source };
  });
  const maximum = resolved.filter((entry) => entry.level === "maximum");
  const sources = [...new Set(maximum.map((entry) => entry.source))];
  return {
    levels: [...new Set(resolved.map((entry) => entry.level))].sort(),
    maximumAt:
      maximum.length === 0
        ? []
        : [
            `${maximum.length === nodes.length ? "every stage" : maximum.map((entry) => entry.node.label).join(", ")} (from ${sources.join(", ")})`,
          ],
  };
}

function isNodeScript(command: string, args: readonly string[]): boolean {
  const base = path.basename(command);
  return (command === process.execPath || /^node(\.exe)?$/.test(base)) && /\.(c|m)?js$/.test(args[0] ?? "");
}

function cleanEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

const SECTION: Record<string, "codex" | "claude" | "pi"> = {
  [CODEX_RUNNER_NAME]: "codex",
  [CLAUDE_RUNNER_NAME]: "claude",
  [PI_RUNNER_NAME]: "pi",
};

async function checkAgentCli(
  runner: string,
  usedBy: readonly string[],
  input: RunnerCheckInput,
): Promise<{ checks: FullDoctorCheck[]; summary: DoctorRunner }> {
  const section = SECTION[runner] as "codex" | "claude" | "pi";
  const settings = input.config.runners[section];
  const merged = { ...input.env, ...settings.env };
  const checks: FullDoctorCheck[] = [];
  const resolved = input.which(settings.command, merged);
  let version: string | null = null;
  if (!resolved) {
    checks.push(
      check(
        "runner_binary_missing",
        `${runner}: command ${settings.command} was not found${settings.command.includes("/") ? "" : " on PATH"} (runners.${section}.command)`,
      ),
    );
  } else {
    checks.push(
      check("runner_binary_found", `${runner}: ${settings.command} resolves to ${resolved}`, resolved),
    );
    if (isNodeScript(settings.command, settings.args)) {
      checks.push(
        check(
          "runner_version_skipped",
          `${runner}: launched as node ${settings.args[0]}; version not probed`,
        ),
      );
    } else {
      version = await probeVersion(resolved, cleanEnv(merged), input.versionTimeoutMs);
      checks.push(
        version
          ? check("runner_version", `${runner}: ${version}`, resolved)
          : check(
              "runner_version_unknown",
              `${runner}: \`${settings.command} --version\` gave no version`,
              resolved,
            ),
      );
    }
  }

  const credential =
    section === "codex"
      ? codexCredential(input.config, input.env)
      : section === "claude"
        ? claudeCredential(input.config, input.env)
        : piCredential(input.config, input.env);
  checks.push(
    credential.state === "present"
      ? check("runner_credentials_present", `${runner}: credential found in ${credential.source}`)
      : check("runner_credentials_missing", credential.missing ?? `${runner}: no credential found`),
  );

  let levels: string[] = [];
  if (section === "pi") {
    const limited = input.config.runners.pi.args.some((arg) =>
      ["--tools", "--no-tools", "--no-builtin-tools"].includes(arg.split("=")[0] ?? arg),
    );
    checks.push(
      limited
        ? check("runner_permission_ok", `${runner}: tools are limited by runners.pi.args`)
        : check(
            "runner_permission_unsandboxed",
            `${runner}: pi runs read, bash, edit and write with no sandbox`,
          ),
    );
  } else {
    const claudeOrCodex = input.config.runners[section];
    const nodes = input.nodes?.get(runner);
    const found =
      nodes && nodes.length > 0
        ? effectiveNodeLevels(section, claudeOrCodex, nodes)
        : permissionLevels(claudeOrCodex);
    levels = found.levels;
    if (found.maximumAt.length > 0) {
      const flag =
        section === "codex" ? "--dangerously-bypass-approvals-and-sandbox" : "--dangerously-skip-permissions";
      const where =
        nodes && nodes.length > 0
          ? `${found.maximumAt.join("; ")} run`
          : `${found.maximumAt.map((key) => `runners.${section}.${key}`).join(", ")} = "maximum" runs`;
      checks.push(
        check("runner_permission_maximum", `${runner}: ${where} with "maximum": the agent gets ${flag}`),
      );
      if (section === "claude" && process.getuid?.() === 0 && merged.IS_SANDBOX !== "1") {
        checks.push(
          check(
            "runner_permission_root_refused",
            `${runner}: running as root, claude refuses --dangerously-skip-permissions unless IS_SANDBOX=1`,
          ),
        );
      }
    } else {
      checks.push(check("runner_permission_ok", `${runner}: permission levels ${found.levels.join(", ")}`));
    }
  }

  return {
    checks,
    summary: {
      runner,
      used_by: [...usedBy],
      command: settings.command,
      resolved_path: resolved,
      version,
      credentials: credential.state,
      credential_source: credential.source,
      permission_levels: levels,
    },
  };
}

function checkScripted(
  usedBy: readonly string[],
  input: RunnerCheckInput,
): { checks: FullDoctorCheck[]; summary: DoctorRunner } {
  const configured = input.config.runners.scripted.script;
  const file = path.isAbsolute(configured) ? configured : path.join(input.runtimeRoot, configured);
  let problem: string | undefined;
  try {
    loadScriptFile(file);
  } catch (error) {
    problem = (error as Error).message;
  }
  return {
    checks: [
      problem
        ? check("runner_script_invalid", `${SCRIPTED_RUNNER_NAME}: ${problem}`, file)
        : check("runner_script_ok", `${SCRIPTED_RUNNER_NAME}: script ${file} parses`, file),
    ],
    summary: {
      runner: SCRIPTED_RUNNER_NAME,
      used_by: [...usedBy],
      command: null,
      resolved_path: null,
      version: null,
      credentials: "not_required",
      credential_source: null,
      permission_levels: [],
    },
  };
}

async function checkCustom(
  runner: string,
  usedBy: readonly string[],
  input: RunnerCheckInput,
): Promise<{ checks: FullDoctorCheck[]; summary: DoctorRunner }> {
  const adapter = input.registry.get(runner);
  const checks: FullDoctorCheck[] = [];
  if (adapter?.preflight) {
    const result = await adapter.preflight(input.config, input.env);
    if (result.ok) checks.push(check("runner_preflight_ok", `${runner}: preflight passed`));
    for (const problem of result.problems)
      checks.push(check("runner_preflight_failed", `${runner}: ${problem}`));
  } else {
    checks.push(check("runner_preflight_ok", `${runner}: registered (it has no preflight)`));
  }
  return {
    checks,
    summary: {
      runner,
      used_by: [...usedBy],
      command: null,
      resolved_path: null,
      version: null,
      credentials: "unknown",
      credential_source: null,
      permission_levels: [],
    },
  };
}

/** Checks every runner the resolved mode uses: executable, version, credentials, permissions. */
export async function runnerChecks(
  input: RunnerCheckInput,
): Promise<{ checks: FullDoctorCheck[]; runners: DoctorRunner[] }> {
  const checks: FullDoctorCheck[] = [];
  const runners: DoctorRunner[] = [];
  for (const [runner, usedBy] of [...input.used.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let found: { checks: FullDoctorCheck[]; summary: DoctorRunner };
    if (!input.registry.has(runner)) {
      checks.push(
        check(
          "runner_unknown",
          `runner ${runner} (used by ${usedBy.join(", ") || "runners.default_runner"}) is not registered; known: ${input.registry.names().join(", ")}`,
        ),
      );
      continue;
    }
    if (runner in SECTION) found = await checkAgentCli(runner, usedBy, input);
    else if (runner === SCRIPTED_RUNNER_NAME) found = checkScripted(usedBy, input);
    else found = await checkCustom(runner, usedBy, input);
    checks.push(...found.checks);
    runners.push(found.summary);
  }
  return { checks, runners };
}

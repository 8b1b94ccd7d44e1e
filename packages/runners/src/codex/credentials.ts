import { existsSync } from "node:fs";
import path from "node:path";
import type { MillraceConfig, PreflightCredential, RunnerEnvironment } from "@millrace/contracts";
import type { CredentialCheck } from "../preflight/agent-preflight.js";
import { firstSet, homeDir } from "../preflight/environment.js";

const present = (source: string): CredentialCheck => ({
  finding: { state: "present", source, detail: null },
  problems: [],
});

/**
 * Where Codex will find credentials: `CODEX_API_KEY`, a login in `$CODEX_HOME/auth.json`, or a
 * custom provider's `env_key`. Codex itself never checks up front and retries until the deadline.
 */
export function codexCredential(config: MillraceConfig, env: RunnerEnvironment): CredentialCheck {
  const merged = { ...env, ...config.runners.codex.env };
  if (firstSet(merged, ["CODEX_API_KEY"])) return present("CODEX_API_KEY");
  const codexHome = merged.CODEX_HOME ?? path.join(homeDir(merged), ".codex");
  const auth = path.join(codexHome, "auth.json");
  if (existsSync(auth)) return present(auth);
  const openai = firstSet(merged, ["OPENAI_API_KEY"])
    ? " OPENAI_API_KEY is set, but `codex exec` authenticates with CODEX_API_KEY."
    : "";
  const finding: PreflightCredential = {
    state: "missing",
    source: null,
    detail: `no CODEX_API_KEY (environment or [runners.codex.env]) and no ${auth} from \`codex login\`.${openai}`,
  };
  const provider = config.runners.codex.extra_config.find((item) => /^\s*model_provider\s*=/.test(item));
  if (provider) {
    const envKeys = config.runners.codex.extra_config
      .map((item) => /env_key\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"/.exec(item)?.[1])
      .filter((name): name is string => name !== undefined);
    const missing = envKeys.filter((name) => !firstSet(merged, [name]));
    return missing.length === 0
      ? present("custom model provider (runners.codex.extra_config)")
      : { finding, problems: [`the custom Codex provider needs ${missing.join(", ")} in the environment`] };
  }
  return {
    finding,
    problems: [
      `no Codex credentials: set CODEX_API_KEY (environment or [runners.codex.env]) or run \`codex login\` (looked for ${auth})`,
    ],
  };
}

/** The credential problems that keep Codex from running (empty when it can authenticate). */
export function codexCredentialProblems(config: MillraceConfig, env: RunnerEnvironment): string[] {
  return codexCredential(config, env).problems;
}

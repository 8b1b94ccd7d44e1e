import { existsSync } from "node:fs";
import path from "node:path";
import type { MillraceConfig, PreflightCredential, RunnerEnvironment } from "@millrace/contracts";
import { firstSet, homeDir } from "../preflight/environment.js";

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

/**
 * Where Pi would find a key: the configured provider's variable (any known provider's when none is
 * configured), else `auth.json`/`models.json` in its agent folder. Advisory only: Pi has more ways to
 * find keys than we can see, so a missing one is not a preflight problem.
 */
export function piCredential(config: MillraceConfig, env: RunnerEnvironment): PreflightCredential {
  const merged = { ...env, ...config.runners.pi.env };
  const provider = config.runners.pi.provider;
  const names = provider
    ? (PI_PROVIDER_KEYS[provider] ?? [])
    : [...new Set(Object.values(PI_PROVIDER_KEYS).flat())];
  const found = firstSet(merged, names);
  if (found) return { state: "present", source: found, detail: null };
  const agentDir = merged.PI_CODING_AGENT_DIR ?? path.join(homeDir(merged), ".pi", "agent");
  for (const name of ["auth.json", "models.json"]) {
    const file = path.join(agentDir, name);
    if (existsSync(file)) return { state: "present", source: file, detail: null };
  }
  const wanted = names.length > 0 ? names.join(" or ") : `the key of provider ${provider}`;
  return {
    state: "missing",
    source: null,
    detail: `no ${wanted} in the environment or [runners.pi.env], and no auth.json or models.json in ${agentDir}.`,
  };
}

import { existsSync } from "node:fs";
import path from "node:path";
import type { MillraceConfig, PreflightCredential, RunnerEnvironment } from "@millrace/contracts";
import type { CredentialCheck } from "../preflight/agent-preflight.js";
import { firstSet, homeDir } from "../preflight/environment.js";

const KEY_NAMES = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"] as const;

/** As root, claude refuses `--dangerously-skip-permissions` unless it is told it runs in a sandbox. */
export function claudeRefusesMaximum(env: RunnerEnvironment): boolean {
  return process.getuid?.() === 0 && env.IS_SANDBOX !== "1";
}

function claudeKey(merged: RunnerEnvironment): PreflightCredential {
  const name = firstSet(merged, KEY_NAMES);
  if (name) return { state: "present", source: name, detail: null };
  const file = path.join(
    merged.CLAUDE_CONFIG_DIR ?? path.join(homeDir(merged), ".claude"),
    ".credentials.json",
  );
  if (existsSync(file)) return { state: "present", source: file, detail: null };
  return {
    state: "missing",
    source: null,
    detail: `no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN, and no ${file} from \`claude\` login.`,
  };
}

/**
 * Claude's credential (an API key or token, or a login's credentials file), and the problems that
 * keep it from running: no credential, or a `maximum` level it would refuse as root.
 */
export function claudeCredential(config: MillraceConfig, env: RunnerEnvironment): CredentialCheck {
  const claude = config.runners.claude;
  const merged = { ...env, ...claude.env };
  const finding = claudeKey(merged);
  const problems: string[] = [];
  if (finding.state !== "present") {
    problems.push(
      "no Claude credentials: set ANTHROPIC_API_KEY (environment or [runners.claude.env]) or log in with `claude`",
    );
  }
  const skipsPermissions = Object.values(claude.permission_by_stage)
    .concat(Object.values(claude.permission_by_model), [claude.permission_default])
    .includes("maximum");
  if (skipsPermissions && claudeRefusesMaximum(merged)) {
    problems.push(
      'running as root, claude refuses --dangerously-skip-permissions; if this is a sandbox set [runners.claude.env] IS_SANDBOX = "1", or lower the permission level',
    );
  }
  return { finding, problems };
}

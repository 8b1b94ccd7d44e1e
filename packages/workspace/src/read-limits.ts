import { statSync } from "node:fs";
import { DEFAULT_READ_LIMITS, type LimitsConfig } from "@millrace/contracts";
import { loadConfig } from "./config.js";
import type { WorkspacePaths } from "./paths.js";

/**
 * The `[limits]` caps of a workspace, for readers that hold no loaded config (the queue store a
 * CLI command opens, the supervisor report, the mailbox writer). Every reader of one workspace must
 * use the same caps: a `status` that read documents with a smaller cap than the daemon's would
 * report (and a claim would quarantine) a document the operator allowed. A missing or invalid
 * config yields the defaults (an invalid one stops every command that needs it anyway).
 * Memoised on the config file's identity, so a queue store opened per request costs one stat.
 */
export function workspaceReadLimits(paths: WorkspacePaths): LimitsConfig {
  let key: string;
  try {
    const stat = statSync(paths.configFile, { bigint: true });
    key = `${paths.configFile}\0${stat.ino}\0${stat.size}\0${stat.mtimeNs}`;
  } catch {
    return DEFAULT_READ_LIMITS;
  }
  const cached = memo.get(paths.configFile);
  if (cached?.key === key) return cached.limits;
  let limits: LimitsConfig;
  try {
    limits = loadConfig(paths).limits;
  } catch {
    limits = DEFAULT_READ_LIMITS;
  }
  if (memo.size > 32) memo.clear();
  memo.set(paths.configFile, { key, limits });
  return limits;
}

const memo = new Map<string, { key: string; limits: LimitsConfig }>();

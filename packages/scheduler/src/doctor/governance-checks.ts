import type { FullDoctorCheck, MillraceConfig } from "@millrace/contracts";
import {
  codexHome,
  ParkedItems,
  readCodexQuotaTelemetry,
  UsageLedger,
  uncountedResults,
} from "@millrace/governance";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "config",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

/** Rules that can fire, and budgets that can count: a governance table that does nothing is a mistake. */
function configChecks(config: MillraceConfig["usage_governance"]): FullDoctorCheck[] {
  const budgets = config.budgets;
  const hasBudgets =
    budgets.per_work_item !== undefined ||
    budgets.per_lineage !== undefined ||
    Object.keys(budgets.per_stage_kind).length > 0;
  if (!config.enabled) {
    return hasBudgets
      ? [check("governance_budgets_inactive", "[usage_governance.budgets] is set but enabled = false")]
      : [];
  }
  const tokenRules = config.runtime_token_rules.enabled ? config.runtime_token_rules.rules.length : 0;
  const quotaRules = config.subscription_quota_rules.enabled
    ? config.subscription_quota_rules.rules.length
    : 0;
  if (tokenRules + quotaRules === 0 && !hasBudgets) {
    return [check("governance_no_rules", "usage governance is enabled but has no active rule and no budget")];
  }
  return [
    check(
      "governance_config",
      `usage governance on: ${tokenRules} token rule(s), ${quotaRules} quota rule(s)${hasBudgets ? ", budgets" : ""}`,
    ),
  ];
}

function telemetryCheck(
  config: MillraceConfig["usage_governance"],
  env: Readonly<Record<string, string | undefined>>,
): FullDoctorCheck[] {
  if (!config.enabled || !config.subscription_quota_rules.enabled) return [];
  const home = codexHome(env as NodeJS.ProcessEnv);
  const reading = readCodexQuotaTelemetry(home, new Date());
  if (reading.ok) return [check("governance_telemetry", `Codex quota telemetry readable under ${home}`)];
  const policy = config.subscription_quota_rules.degraded_policy;
  return [
    check(
      "governance_telemetry_unavailable",
      `no Codex quota telemetry under ${home}/sessions (${reading.detail}); degraded_policy = ${policy}${policy === "fail_closed" ? ": the runtime stays paused" : ""}`,
    ),
  ];
}

function ledgerChecks(paths: WorkspacePaths, config: MillraceConfig["usage_governance"]): FullDoctorCheck[] {
  const checks: FullDoctorCheck[] = [];
  const ledger = UsageLedger.open(paths, { repair: false });
  const file = toWorkspaceRelative(paths, ledger.file);
  for (const problem of ledger.problems.slice(0, 5)) {
    checks.push(check("governance_ledger_invalid_line", `line ${problem.line}: ${problem.message}`, file));
  }
  const missing = config.enabled ? uncountedResults(ledger) : [];
  if (missing.length > 0) {
    checks.push(
      check(
        "governance_ledger_behind",
        `${missing.length} token-bearing stage result(s) are not in the ledger yet (first: ${missing[0]})`,
        file,
      ),
    );
  }
  try {
    ParkedItems.open(paths).list();
  } catch (error) {
    checks.push(check("governance_parked_invalid", (error as Error).message));
  }
  if (checks.length === 0 && config.enabled) {
    checks.push(
      check("governance_ledger", `${ledger.entries.length} ledger entries; every result counted`, file),
    );
  }
  return checks;
}

/**
 * Usage governance: the config makes sense, the subscription telemetry it relies on can be read
 * (locally, never over a network), and the ledger agrees with the results on disk. Read-only.
 */
export function governanceChecks(
  paths: WorkspacePaths,
  config: MillraceConfig,
  env: Readonly<Record<string, string | undefined>>,
): FullDoctorCheck[] {
  const governance = config.usage_governance;
  return [
    ...configChecks(governance),
    ...telemetryCheck(governance, env),
    ...ledgerChecks(paths, governance),
  ];
}

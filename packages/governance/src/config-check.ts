import { MillraceError, UsageGovernanceConfigSchema } from "@millrace/contracts";
import type { UsageGovernanceConfig } from "./usage/types.js";

/**
 * Validates a `[usage_governance]` table given as an object (an embedder's config). The first
 * problem is thrown as `config_invalid` naming the key and the fix; TOML files get the same checks
 * through the workspace config loader.
 */
export function parseUsageGovernanceConfig(input: unknown): UsageGovernanceConfig {
  const parsed = UsageGovernanceConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    key: ["usage_governance", ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const [first] = problems;
  throw new MillraceError("config_invalid", `${first?.key}: ${first?.message}`, {
    hint: `Fix ${first?.key} in [usage_governance]; docs/configuration.md lists every key and its allowed values.`,
    details: { problems },
  });
}

import { formatTimestamp, type SubscriptionQuotaStatus } from "@millrace/contracts";
import { disabledSubscriptionStatus } from "../usage/subscription-rules.js";
import type { UsageGovernanceConfig } from "../usage/types.js";
import { codexHome, readCodexQuotaTelemetry } from "./codex-telemetry.js";

/**
 * Subscription-quota status for the evaluator, read from Codex's session telemetry at most once
 * per `refresh_interval_seconds`; inside the interval the cached reading is reused.
 */
export class SubscriptionQuotaReader {
  private cached: SubscriptionQuotaStatus | undefined;
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: UsageGovernanceConfig,
    private readonly home: string = codexHome(),
  ) {}

  read(now: Date): SubscriptionQuotaStatus {
    const quota = this.config.subscription_quota_rules;
    if (!this.config.enabled || !quota.enabled) return disabledSubscriptionStatus(this.config);
    const interval = quota.refresh_interval_seconds * 1000;
    if (this.cached && now.getTime() - this.readAt < interval) return this.cached;
    const telemetry = readCodexQuotaTelemetry(this.home, now);
    this.readAt = now.getTime();
    this.cached = {
      enabled: true,
      provider: quota.provider,
      state: telemetry.ok ? "healthy" : "degraded",
      degraded_policy: quota.degraded_policy,
      detail: telemetry.ok ? null : telemetry.detail,
      last_refreshed_at: formatTimestamp(now),
      windows: telemetry.ok ? telemetry.windows : {},
    };
    return this.cached;
  }
}

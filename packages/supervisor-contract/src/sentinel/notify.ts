import type { SentinelConfig, SentinelNotification } from "@millrace/contracts";
import { formatTimestamp } from "@millrace/contracts";
import { postWebhook, runNotifyCommand } from "@millrace/runners";

export type NotificationTrigger = SentinelNotification["trigger"];

/**
 * Sends one Sentinel notification through the configured command (argv, no shell, payload on
 * stdin, a deadline) and webhook. Returns null when neither is configured. Never throws: a failed
 * notification is recorded, and the check carries on.
 */
export async function sendSentinelNotification(
  config: SentinelConfig,
  trigger: NotificationTrigger,
  payload: Record<string, unknown>,
  context: { workspace: string; now: Date },
): Promise<SentinelNotification | null> {
  if (config.notify_command.length === 0 && config.webhook_url === undefined) return null;
  const body = { kind: "sentinel_notification", trigger, workspace: context.workspace, ...payload };
  let command: string | null = null;
  let webhook: string | null = null;
  let ok = true;
  if (config.notify_command.length > 0) {
    const result = await runNotifyCommand(config.notify_command, {
      input: `${JSON.stringify(body)}\n`,
      timeoutMs: config.notify_timeout_seconds * 1000,
      cwd: context.workspace,
    });
    command = result.detail;
    ok &&= result.ok;
  }
  if (config.webhook_url !== undefined) {
    const result = await postWebhook(config.webhook_url, body, config.webhook_timeout_seconds * 1000);
    webhook = result.detail;
    ok &&= result.ok;
  }
  return { at: formatTimestamp(context.now), trigger, command, webhook, ok };
}

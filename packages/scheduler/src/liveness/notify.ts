import type { LivenessConfig } from "@millrace/contracts";
import { postWebhook, runNotifyCommand } from "@millrace/runners";

/** What a liveness notification says (the command's stdin and the webhook's body). */
export interface LivenessNotification {
  readonly kind: "millrace_liveness";
  readonly workspace: string;
  readonly plane: string;
  readonly run_id: string;
  readonly request_id: string;
  readonly stage: string;
  readonly work_item_id: string | null;
  readonly previous: string;
  readonly grade: string;
  readonly reason: string;
  readonly response: string;
  readonly at: string;
}

export interface NotificationOutcome {
  readonly channel: "command" | "webhook";
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Sends a notification through every configured channel: the command (argument array, payload on
 * stdin, deadline) and the webhook (JSON POST, deadline). Never throws; each outcome is returned
 * for the caller to record.
 */
export async function sendLivenessNotification(
  config: LivenessConfig,
  notification: LivenessNotification,
  options: { cwd: string; env: Readonly<Record<string, string | undefined>> },
): Promise<NotificationOutcome[]> {
  const sends: Promise<NotificationOutcome>[] = [];
  if (config.notify_command.length > 0) {
    sends.push(
      runNotifyCommand(config.notify_command, {
        input: `${JSON.stringify(notification)}\n`,
        timeoutMs: config.notify_timeout_seconds * 1000,
        cwd: options.cwd,
        env: options.env,
      }).then((result) => ({ channel: "command", ok: result.ok, detail: result.detail })),
    );
  }
  if (config.webhook_url) {
    sends.push(
      postWebhook(config.webhook_url, notification, config.webhook_timeout_seconds * 1000).then((result) => ({
        channel: "webhook",
        ok: result.ok,
        detail: result.detail,
      })),
    );
  }
  return Promise.all(sends);
}

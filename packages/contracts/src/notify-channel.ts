import { z } from "zod";
import { withConfigRange } from "./config-range.js";

const seconds = (min: number, max: number) =>
  withConfigRange(z.number().positive(), { min, max, unit: "seconds" });

/**
 * The notification keys `[liveness]` and `[sentinel]` share: a command (argument array, no shell)
 * that gets the notification JSON on stdin, and an optional webhook it is POSTed to.
 * `webhookSubject` names whose notification the webhook receives, for the key's description.
 */
export function notifyChannelKeys(webhookSubject: string) {
  return {
    notify_command: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Notification command as an argument array (no shell); it gets the notification JSON on stdin.",
      ),
    notify_timeout_seconds: seconds(0.1, 600)
      .default(10)
      .describe("Seconds before the notification command is stopped."),
    webhook_url: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .optional()
      .describe(`URL ${webhookSubject} notification JSON is POSTed to.`),
    webhook_timeout_seconds: seconds(0.1, 600)
      .default(5)
      .describe("Seconds before the webhook POST is abandoned."),
  };
}

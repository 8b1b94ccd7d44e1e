/** What a webhook POST did. Never throws: a failure is a value the caller records. */
export interface WebhookResult {
  readonly ok: boolean;
  readonly status: number | null;
  /** One line: `HTTP 204`, `HTTP 500`, `timed out after 5000 ms`, `failed: <reason>`. */
  readonly detail: string;
}

/**
 * POSTs a JSON body to a notification webhook with a deadline. Lives next to the notification
 * command so every outbound notification (liveness, Sentinel) goes through one package.
 */
export async function postWebhook(url: string, body: unknown, timeoutMs: number): Promise<WebhookResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
      redirect: "error",
    });
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    return { ok: response.ok, status: response.status, detail: `HTTP ${response.status}` };
  } catch (error) {
    if (controller.signal.aborted)
      return { ok: false, status: null, detail: `timed out after ${timeoutMs} ms` };
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { ok: false, status: null, detail: `failed: ${cause ?? (error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

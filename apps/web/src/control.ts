/**
 * Control from the page, present only when the server runs with `--allow-control`. The token
 * arrives once in the URL (`?token=...`, as `millrace serve` prints it), is kept in memory and in
 * sessionStorage (this tab only, never a cookie), is removed from the address bar, and is sent in
 * a header with each control request. Buttons carry what they do in data attributes; one
 * delegated listener acts on them, so re-rendering (which morphs the DOM) never loses a handler.
 */
import type { ControlResultOutput } from "@millrace/contracts";
import { ApiError, getJson } from "./api.js";

interface Capabilities {
  control: boolean;
  issuer: string | null;
  token_header: string | null;
}

const STORAGE_KEY = "millrace-control-token";
let capabilities: Capabilities = { control: false, issuer: null, token_header: null };
let token: string | null = null;

/** The outcome of the last control request, shown on the Overview until the next one. */
export interface ControlMessage {
  ok: boolean;
  text: string;
}
let message: ControlMessage | null = null;

function takeToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

/** Asks the server whether control is on, and picks up the token. Call once at start. */
export async function loadControl(): Promise<void> {
  token = takeToken();
  capabilities = await getJson<Capabilities>("/api/capabilities");
}

/** Whether the page shows control buttons: the server allows control and the page has a token. */
export function controlEnabled(): boolean {
  return capabilities.control && token !== null;
}

/** Whether control is on but this page was opened without the token (it says so instead). */
export function controlNeedsToken(): boolean {
  return capabilities.control && token === null;
}

export function controlMessage(): ControlMessage | null {
  return message;
}

async function postControl(workspace: string, action: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`/api/w/${encodeURIComponent(workspace)}/control/${action}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      [capabilities.token_header ?? "X-Millrace-Token"]: token ?? "",
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as
    | ControlResultOutput
    | { error: { code: string; message: string; hint: string } };
  if ("error" in answer) {
    throw new ApiError(response.status, answer.error.code, answer.error.message, answer.error.hint);
  }
  message = { ok: true, text: `${answer.action} by ${answer.issuer}: ${answer.detail}` };
}

async function act(workspace: string, action: string, body: Record<string, unknown>): Promise<void> {
  try {
    await postControl(workspace, action, body);
  } catch (error) {
    message = {
      ok: false,
      text:
        error instanceof ApiError
          ? `${action}: ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ""}`
          : `${action}: ${String(error)}`,
    };
  }
  window.dispatchEvent(new Event("millrace:redraw"));
}

/** `data-control="<action>"` buttons (with an optional JSON `data-body`) and the add-task form. */
export function listenForControl(container: HTMLElement, workspace: () => string): void {
  container.addEventListener("click", (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>("button[data-control]");
    if (!button || !controlEnabled()) return;
    const body = button.dataset.body ? (JSON.parse(button.dataset.body) as Record<string, unknown>) : {};
    button.disabled = true;
    void act(workspace(), button.dataset.control ?? "", body).finally(() => {
      button.disabled = false;
    });
  });
  container.addEventListener("submit", (event) => {
    const form = (event.target as Element).closest<HTMLFormElement>("form[data-control-form]");
    if (!form) return;
    event.preventDefault();
    if (!controlEnabled()) return;
    const data = new FormData(form);
    const field = (name: string) => String(data.get(name) ?? "").trim();
    const body: Record<string, unknown> = { title: field("title") };
    if (field("id")) body.id = field("id");
    if (field("body")) body.body = field("body");
    void act(workspace(), form.dataset.controlForm ?? "", body).then(() => {
      if (controlMessage()?.ok) form.reset();
    });
  });
}

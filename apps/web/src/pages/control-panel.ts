import type { CapabilityApproval, Plane, StatusReport } from "@millrace/contracts";
import { controlEnabled, controlMessage, controlNeedsToken } from "../control.js";
import { h } from "../dom.js";
import { time } from "../format.js";

/**
 * The Overview's control elements, drawn only when the server allows control and the page holds
 * the token. Each button names its action in `data-control` (and its JSON body in `data-body`);
 * the delegated listener in control.ts sends it. All text goes in as text nodes.
 */

function button(action: string, label: string, body?: Record<string, unknown>, title?: string): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      "data-control": action,
      "data-body": body ? JSON.stringify(body) : undefined,
      "data-testid": `control-${action.replaceAll("/", "-")}`,
      title,
    },
    label,
  );
}

/** Pause/resume/stop, the add-task form and the last result; a note when the token is missing. */
export function controlCard(report: StatusReport): HTMLElement | null {
  if (controlNeedsToken()) {
    return h(
      "section",
      { class: "card", "data-testid": "control-locked" },
      h("h2", {}, "Control"),
      h(
        "p",
        { class: "muted" },
        "Control is allowed, but this page has no token: open the ?token=… URL `millrace serve` printed.",
      ),
    );
  }
  if (!controlEnabled()) return null;
  const operatorPaused = report.pause_sources.includes("operator");
  const message = controlMessage();
  return h(
    "section",
    { class: "card control", "data-testid": "control" },
    h("h2", {}, "Control (as web)"),
    h(
      "div",
      { class: "buttons" },
      operatorPaused ? button("resume", "Resume") : button("pause", "Pause"),
      button("stop", "Stop", undefined, "Stop the daemon at its next safe boundary"),
    ),
    h(
      "form",
      { class: "add-task", "data-control-form": "add-task", "data-testid": "add-task-form" },
      h(
        "label",
        {},
        "New task ",
        h("input", { name: "title", required: true, maxlength: 200, placeholder: "title" }),
      ),
      h("label", {}, "id ", h("input", { name: "id", maxlength: 120, placeholder: "optional" })),
      h("textarea", { name: "body", rows: 3, maxlength: 60000, placeholder: "details (optional)" }),
      h("button", { type: "submit" }, "Add task"),
    ),
    message
      ? h(
          "p",
          { class: message.ok ? "result ok" : "result error", "data-testid": "control-result" },
          message.text,
        )
      : null,
  );
}

/** The requeue button of a plane whose active item can be sent back to the queue (retry_active). */
export function requeueButton(plane: Plane, report: StatusReport): HTMLElement | null {
  const run = report.planes[plane].active_run;
  if (!controlEnabled() || !run?.work_item_id) return null;
  return button(
    "retry-active",
    "Requeue",
    { scope: plane },
    `Send ${run.work_item_id} back to the queue so it starts over`,
  );
}

/** Release buttons for the items usage governance parked. */
export function releaseButton(workItemId: string): HTMLElement | null {
  if (!controlEnabled()) return null;
  return button("release", "Release", { work_item_id: workItemId }, `Let ${workItemId} be claimed again`);
}

/** Pending capability approvals, with approve/deny when control is on. */
export function approvalsCard(pending: readonly CapabilityApproval[]): HTMLElement | null {
  if (pending.length === 0) return null;
  return h(
    "section",
    { class: "card wide", "data-testid": "approvals" },
    h("h2", {}, "Pending approvals"),
    h(
      "ul",
      { class: "approvals" },
      pending.map((a) =>
        h(
          "li",
          { "data-approval": a.approval_id },
          h("code", {}, a.capability_id),
          ` for ${a.stage_kind_id} in ${a.run_id}${a.work_item_id ? ` (${a.work_item_id})` : ""}, since ${time(a.created_at)} `,
          controlEnabled() ? button(`approvals/${a.approval_id}/approve`, "Approve") : null,
          controlEnabled() ? button(`approvals/${a.approval_id}/deny`, "Deny") : null,
        ),
      ),
    ),
  );
}

import { type ControlRequest, MillraceError } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { issuerOption } from "./control-output.js";
import { submit } from "./queue.js";

const ACTIONS = ["resolve", "cancel", "archive-invalid"] as const;

interface IncidentArgs {
  action: (typeof ACTIONS)[number];
  target?: string;
  reason?: string;
  issuer?: string;
}

function requireReason(args: IncidentArgs): string {
  const reason = (args.reason ?? "").trim();
  if (!reason) {
    throw new MillraceError("queue_reason_required", `incident ${args.action} needs a non-blank --reason`);
  }
  return reason;
}

/** The audited incident interventions, each one control request (mailbox when a daemon runs). */
function incidentRequest(args: IncidentArgs): ControlRequest {
  if (!args.target) {
    const what = args.action === "archive-invalid" ? "a quarantined incident file name" : "an incident id";
    throw new MillraceError("usage_invalid_argument", `incident ${args.action} needs ${what}`, {
      hint: "List incidents with `millrace queue ls --kind incident`.",
    });
  }
  const reason = requireReason(args);
  switch (args.action) {
    case "resolve":
      return { command: "resolve_incident", payload: { id: args.target, reason } };
    case "cancel":
      return { command: "cancel_incident", payload: { id: args.target, reason } };
    case "archive-invalid":
      return { command: "archive_invalid_incident", payload: { file_name: args.target, reason } };
  }
}

export const incidentCommand: MillraceCommand<IncidentArgs> = {
  command: "incident <action> <target>",
  describe:
    "Resolve or cancel an incident, or archive a quarantined incident file (audited; nothing is deleted)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .positional("target", {
        type: "string",
        describe: "The incident id (resolve, cancel) or the quarantined file name (archive-invalid)",
      })
      .option("reason", { type: "string", describe: "Why (required; recorded in the intervention log)" })
      .option("issuer", issuerOption),
  examples: [
    ["$0 incident resolve incident-123 --reason 'fixed by hand'", "Close an incident as resolved"],
    ["$0 incident cancel incident-123 --reason 'not a real problem'", "Close it without resolving"],
    ["$0 incident archive-invalid broken.md.invalid --reason 'garbage'", "Archive a quarantined file"],
  ],
  handler(args, ctx) {
    return submit(ctx, incidentRequest(args), args.issuer);
  },
};

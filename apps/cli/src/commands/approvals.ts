import { type CapabilityApproval, MillraceError } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import { emitControl, issuerOption } from "./control-output.js";

const ACTIONS = ["ls", "show", "approve", "deny"] as const;

interface ApprovalsArgs {
  action: (typeof ACTIONS)[number];
  id?: string;
  status?: "pending" | "approved" | "denied" | "expired" | "cancelled";
  reason?: string;
  issuer?: string;
}

function line(approval: CapabilityApproval): string {
  return `${approval.status} ${approval.approval_id} ${approval.capability_id} stage=${approval.stage_kind_id} run=${approval.run_id}${approval.work_item_id ? ` work=${approval.work_item_id}` : ""}${approval.decided_by ? ` by=${approval.decided_by}` : ""}`;
}

function requireId(args: ApprovalsArgs): string {
  if (!args.id) {
    throw new MillraceError("usage_invalid_argument", `approvals ${args.action} needs an approval id`, {
      hint: "Run `millrace approvals ls` to list them.",
    });
  }
  return args.id;
}

export const approvalsCommand: MillraceCommand<ApprovalsArgs> = {
  command: "approvals <action> [id]",
  describe:
    "List, show, approve or deny execution-capability approvals (approve/deny go through the daemon when one runs)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .positional("id", { type: "string", describe: "The approval id (show, approve, deny)" })
      .option("status", {
        choices: ["pending", "approved", "denied", "expired", "cancelled"] as const,
        describe: "ls: only approvals in this status",
      })
      .option("reason", { type: "string", describe: "approve/deny: why (recorded with the decision)" })
      .option("issuer", issuerOption),
  examples: [
    ["$0 approvals ls --status pending", "What waits for a decision"],
    ["$0 approvals approve approval-grant.builder.pkg-1a2b3c4d --reason 'ok to install'", "Approve one"],
  ],
  async handler(args, ctx) {
    const paths = requireInitialized(ctx.workspace);
    const { ApprovalStore } = await import("@millrace/governance");
    const store = new ApprovalStore(paths);
    switch (args.action) {
      case "ls": {
        const approvals = store.list(args.status);
        ctx.emit(() => (approvals.length === 0 ? "no approvals\n" : `${approvals.map(line).join("\n")}\n`), {
          approvals,
        });
        return 0;
      }
      case "show": {
        const approval = store.show(requireId(args));
        ctx.emit(
          () => keyValueLines({ ...approval, grant: approval.grant.grant_id, metadata: undefined }),
          approval,
        );
        return 0;
      }
      default: {
        const id = requireId(args);
        const { normalizeIssuer, submitControl } = await import("@millrace/supervisor-contract");
        normalizeIssuer(args.issuer);
        store.show(id);
        const command =
          args.action === "approve" ? "approve_execution_capability" : "deny_execution_capability";
        const result = submitControl(
          paths.root,
          command,
          { approval_id: id, ...(args.reason ? { reason: args.reason } : {}) },
          { issuer: args.issuer },
        );
        return emitControl(ctx, result);
      }
    }
  },
};

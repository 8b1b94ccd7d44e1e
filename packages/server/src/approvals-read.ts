import {
  ApprovalStatusSchema,
  type ApprovalsListingOutput,
  ApprovalsListingOutputSchema,
  MillraceError,
} from "@millrace/contracts";
import { ApprovalStore } from "@millrace/governance";
import type { ServedWorkspace } from "./workspaces.js";

/** `approvals ls --json`, optionally one status: read from the approval files, nothing written. */
export function approvalsOf(workspace: ServedWorkspace, status: string | undefined): ApprovalsListingOutput {
  let wanted: ApprovalsListingOutput["approvals"][number]["status"] | undefined;
  if (status !== undefined && status !== "") {
    const parsed = ApprovalStatusSchema.safeParse(status);
    if (!parsed.success) {
      throw new MillraceError("usage_invalid_argument", `unknown approval status ${JSON.stringify(status)}`, {
        hint: `Use one of: ${ApprovalStatusSchema.options.join(", ")}.`,
      });
    }
    wanted = parsed.data;
  }
  const approvals = new ApprovalStore(workspace.paths).list(wanted);
  return ApprovalsListingOutputSchema.parse({ approvals });
}

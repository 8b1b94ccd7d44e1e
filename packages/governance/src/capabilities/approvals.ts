import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  type ApprovalStatus,
  type CapabilityApproval,
  CapabilityApprovalSchema,
  type CapabilityGrant,
  compareCodeUnits,
  formatTimestamp,
  MillraceError,
  type Plane,
  type WorkItemKind,
} from "@millrace/contracts";
import { fsyncDirSync, type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";

export interface ApprovalContext {
  readonly run_id: string;
  readonly plane: Plane;
  readonly node_id: string;
  readonly stage_kind_id: string;
  readonly work_item_kind: WorkItemKind | null;
  readonly work_item_id: string | null;
  readonly metadata?: Record<string, unknown>;
}

export interface ApprovalStoreOptions {
  readonly now?: () => Date;
  /** 8 hex characters appended to approval ids. */
  readonly suffix?: () => string;
}

const APPROVAL_ID = /^approval-[A-Za-z0-9._-]+-[0-9a-f]{8}$/;

/**
 * Capability approvals under `approvals/pending/` and `approvals/resolved/`, one JSON file each,
 * written atomically. Resolving writes the resolved copy first and then deletes the pending one,
 * so a crash in between leaves the decision on record (the resolved copy wins when both exist).
 */
export class ApprovalStore {
  readonly pendingDir: string;
  readonly resolvedDir: string;
  private readonly now: () => Date;
  private readonly suffix: () => string;
  private readonly workspaceId: string;

  constructor(paths: WorkspacePaths, options: ApprovalStoreOptions = {}) {
    this.pendingDir = path.join(paths.approvals, "pending");
    this.resolvedDir = path.join(paths.approvals, "resolved");
    this.workspaceId = path.basename(paths.root);
    this.now = options.now ?? (() => new Date());
    this.suffix = options.suffix ?? (() => randomBytes(4).toString("hex"));
  }

  /** The approval for this run's grant (keyed by run, capability request and grant), created pending if none. */
  findOrCreate(grant: CapabilityGrant, context: ApprovalContext): CapabilityApproval {
    const existing = this.list().find(
      (a) =>
        a.run_id === context.run_id && a.request_id === grant.request_id && a.grant_id === grant.grant_id,
    );
    if (existing) return this.expireIfDue(existing);
    const created = this.now();
    const expiration = grant.approval_policy_ref?.expiration_seconds;
    const approval = CapabilityApprovalSchema.parse({
      kind: "execution_capability_approval",
      approval_id: `approval-${grant.grant_id}-${this.suffix()}`,
      status: "pending",
      workspace_id: this.workspaceId,
      run_id: context.run_id,
      request_id: grant.request_id,
      work_item_kind: context.work_item_kind,
      work_item_id: context.work_item_id,
      plane: context.plane,
      node_id: context.node_id,
      stage_kind_id: context.stage_kind_id,
      grant_id: grant.grant_id,
      capability_id: grant.capability_id,
      reason: grant.reason,
      requested_by: grant.requested_by,
      decided_by: null,
      created_at: formatTimestamp(created),
      decided_at: null,
      expires_at: expiration ? formatTimestamp(new Date(created.getTime() + expiration * 1000)) : null,
      decision_reason: null,
      grant,
      metadata: context.metadata ?? {},
    });
    mkdirSync(this.pendingDir, { recursive: true });
    writeJsonAtomicSync(path.join(this.pendingDir, `${approval.approval_id}.json`), approval);
    return approval;
  }

  /** Every approval, resolved copies winning over a leftover pending one; oldest first. */
  list(status?: ApprovalStatus): CapabilityApproval[] {
    const byId = new Map<string, CapabilityApproval>();
    for (const approval of this.readDir(this.pendingDir)) byId.set(approval.approval_id, approval);
    for (const approval of this.readDir(this.resolvedDir)) byId.set(approval.approval_id, approval);
    const all = [...byId.values()].sort(
      (a, b) =>
        compareCodeUnits(a.created_at, b.created_at) || compareCodeUnits(a.approval_id, b.approval_id),
    );
    return status ? all.filter((a) => a.status === status) : all;
  }

  /** This run's approval for a grant (after expiring it if due), or undefined. */
  forGrant(runId: string, grant: CapabilityGrant): CapabilityApproval | undefined {
    const found = this.list().find(
      (a) => a.run_id === runId && a.request_id === grant.request_id && a.grant_id === grant.grant_id,
    );
    return found ? this.expireIfDue(found) : undefined;
  }

  show(approvalId: string): CapabilityApproval {
    if (!APPROVAL_ID.test(approvalId)) {
      throw new MillraceError("invalid_id", `${JSON.stringify(approvalId)} is not an approval id`, {
        hint: "Approval ids look like approval-<grant_id>-<8 hex>.",
      });
    }
    for (const dir of [this.resolvedDir, this.pendingDir]) {
      const file = path.join(dir, `${approvalId}.json`);
      if (existsSync(file)) return this.readFile(file);
    }
    throw new MillraceError("approval_not_found", `no approval ${approvalId}`);
  }

  approve(approvalId: string, issuer: string, reason = ""): CapabilityApproval {
    return this.resolve(approvalId, "approved", issuer, reason);
  }

  deny(approvalId: string, issuer: string, reason = ""): CapabilityApproval {
    return this.resolve(approvalId, "denied", issuer, reason);
  }

  cancel(approvalId: string, issuer: string, reason = ""): CapabilityApproval {
    return this.resolve(approvalId, "cancelled", issuer, reason);
  }

  /** Expires every pending approval past its `expires_at`; returns the expired ones. */
  expireDue(): CapabilityApproval[] {
    const expired: CapabilityApproval[] = [];
    for (const approval of this.list("pending")) {
      const after = this.expireIfDue(approval);
      if (after.status === "expired") expired.push(after);
    }
    return expired;
  }

  /** Expires one pending approval now, whatever its deadline. */
  expire(approvalId: string, issuer: string, reason = "expired by operator"): CapabilityApproval {
    return this.resolve(approvalId, "expired", issuer, reason);
  }

  private expireIfDue(approval: CapabilityApproval): CapabilityApproval {
    if (approval.status !== "pending" || !approval.expires_at) return approval;
    if (Date.parse(approval.expires_at) > this.now().getTime()) return approval;
    return this.resolve(approval.approval_id, "expired", "runtime", "the approval expired before a decision");
  }

  private resolve(
    approvalId: string,
    status: Exclude<ApprovalStatus, "pending">,
    issuer: string,
    reason: string,
  ): CapabilityApproval {
    if (issuer.trim() === "")
      throw new MillraceError("usage_invalid_argument", "an approval decision names its issuer");
    const current = this.show(approvalId);
    if (current.status !== "pending") {
      throw new MillraceError(
        "approval_already_resolved",
        `approval ${approvalId} is already ${current.status}`,
      );
    }
    const resolved = CapabilityApprovalSchema.parse({
      ...current,
      status,
      decided_by: issuer,
      decided_at: formatTimestamp(this.now()),
      decision_reason: reason,
    });
    mkdirSync(this.resolvedDir, { recursive: true });
    writeJsonAtomicSync(path.join(this.resolvedDir, `${approvalId}.json`), resolved);
    rmSync(path.join(this.pendingDir, `${approvalId}.json`), { force: true });
    fsyncDirSync(this.pendingDir);
    return resolved;
  }

  private readDir(dir: string): CapabilityApproval[] {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.endsWith(".json") && !name.startsWith("."))
      .map((name) => this.readFile(path.join(dir, name)));
  }

  private readFile(file: string): CapabilityApproval {
    try {
      return CapabilityApprovalSchema.parse(JSON.parse(readFileSync(file, "utf8")));
    } catch (error) {
      throw new MillraceError(
        "engine_state_invalid",
        `${file} is not a valid capability approval: ${(error as Error).message}`,
        {
          cause: error,
          details: { file },
        },
      );
    }
  }
}

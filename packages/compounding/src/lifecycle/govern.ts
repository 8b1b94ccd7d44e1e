import {
  type CompoundingItemKind,
  formatTimestamp,
  type LifecycleChange,
  MillraceError,
  type ProcedureLifecycleRecord,
  type ProcedureLifecycleState,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { requireSafeId } from "../store/ids.js";
import { type CompoundingSnapshot, loadCompoundingSnapshot } from "../store/snapshot.js";
import { writeLifecycleRecord } from "../store/write.js";
import { nextRecordId } from "./records.js";
import { keyOfRecord, latestLifecycle, lifecycleKey } from "./status.js";

export interface GovernanceRequest {
  readonly kind: CompoundingItemKind;
  readonly id: string;
  /** Who asked, e.g. `cli`, `supervisor:<name>`; recorded as `changed_by`. */
  readonly issuer: string;
  readonly reason: string;
  readonly now?: Date;
}

export interface DeprecateRequest extends GovernanceRequest {
  /** A workspace item of the same kind that replaces this one. */
  readonly replacementId?: string | null;
}

/** Makes a workspace procedure or fact retrievable. Idempotent. */
export function promoteItem(paths: WorkspacePaths, request: GovernanceRequest): LifecycleChange {
  return changeState(paths, request, "promoted", null);
}

/** Withholds a workspace procedure or fact from retrieval, optionally naming its replacement. Idempotent. */
export function deprecateItem(paths: WorkspacePaths, request: DeprecateRequest): LifecycleChange {
  return changeState(paths, request, "deprecated", request.replacementId ?? null);
}

function changeState(
  paths: WorkspacePaths,
  request: GovernanceRequest,
  state: ProcedureLifecycleState,
  replacementId: string | null,
): LifecycleChange {
  const id = requireSafeId(request.id, `${request.kind} id`);
  const reason = request.reason.trim();
  const issuer = request.issuer.trim();
  if (reason === "") usage(`a reason is required to ${verb(state)} ${id}`, "Pass --reason with why.");
  if (issuer === "") usage(`an issuer is required to ${verb(state)} ${id}`, "Pass who asked (e.g. cli).");
  const snapshot = loadCompoundingSnapshot(paths);
  requireWorkspaceItem(snapshot, request.kind, id);
  if (replacementId !== null) {
    requireSafeId(replacementId, "replacement id");
    if (replacementId === id)
      usage(`${id} cannot replace itself`, "Name a different item as the replacement.");
    requireWorkspaceItem(snapshot, request.kind, replacementId);
  }
  const records = snapshot.lifecycle.map((entry) => entry.value);
  const current = latestLifecycle(records).get(lifecycleKey(request.kind, id));
  const currentState = current?.state ?? factStateFromFile(snapshot, request.kind, id);
  if (currentState === state && (current?.replacement_procedure_id ?? null) === replacementId) {
    return { applied: false, item_kind: request.kind, item_id: id, state, record: null };
  }
  const record: ProcedureLifecycleRecord = {
    record_id: nextRecordId(
      request.kind,
      id,
      records.filter((r) => keyOfRecord(r) === lifecycleKey(request.kind, id)),
    ),
    procedure_id: request.kind === "procedure" ? id : null,
    fact_id: request.kind === "fact" ? id : null,
    state,
    scope: "workspace",
    changed_at: formatTimestamp(request.now ?? new Date()),
    changed_by: issuer,
    reason,
    replacement_procedure_id: replacementId,
  };
  if (!writeLifecycleRecord(snapshot.paths, record)) {
    throw new MillraceError("workspace_io_failed", `lifecycle record ${record.record_id} already exists`, {
      hint: "Another writer changed this item at the same time; run the command again.",
    });
  }
  return { applied: true, item_kind: request.kind, item_id: id, state, record };
}

function verb(state: ProcedureLifecycleState): string {
  return state === "promoted" ? "promote" : "deprecate";
}

function usage(message: string, hint: string): never {
  throw new MillraceError("usage_invalid_argument", message, { hint });
}

function factStateFromFile(snapshot: CompoundingSnapshot, kind: CompoundingItemKind, id: string) {
  if (kind !== "fact") return undefined;
  const state = snapshot.facts.find((entry) => entry.value.fact_id === id)?.value.lifecycle_state;
  return state === "promoted" || state === "deprecated" ? state : undefined;
}

function requireWorkspaceItem(snapshot: CompoundingSnapshot, kind: CompoundingItemKind, id: string): void {
  const scopes =
    kind === "procedure"
      ? snapshot.procedures.filter((e) => e.value.procedure_id === id).map((e) => e.value.scope)
      : snapshot.facts.filter((e) => e.value.fact_id === id).map((e) => e.value.scope);
  if (scopes.includes("workspace")) return;
  if (scopes.includes("run")) {
    usage(
      `${kind} ${id} is run-scoped; only workspace items are governed`,
      "Run candidates reach workspace scope when their run is flushed; govern the `proc.workspace.…` copy.",
    );
  }
  throw new MillraceError("compounding_item_not_found", `no workspace ${kind} has the id ${id}`);
}

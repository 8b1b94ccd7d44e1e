import {
  type BlueprintDraftDocument,
  BlueprintDraftDocumentSchema,
  explainUnsafeId,
  type WorkDocument,
} from "@millrace/contracts";
import { type BlueprintLineage, lineageConflict } from "./lineage.js";
import { blueprintRefused } from "./refusal.js";

/** Limits on one Manager Blueprint result: a plan this large is a planning problem, not a queue. */
export const MAX_DRAFTS_FILE_BYTES = 256 * 1024;
export const MAX_DRAFTS = 50;

const WHAT = "blueprint drafts";

/** Fields a draft object may carry; the runtime sets the source, the time and the lineage it lacks. */
const DRAFT_FIELDS = new Set([
  "schema_version",
  "kind",
  "draft_id",
  "manifest_id",
  "draft_index",
  "title",
  "summary",
  "source_spec_id",
  "root_spec_id",
  "root_idea_id",
  "target_paths",
  "acceptance_intent",
  "depends_on_draft_ids",
  "context_excerpt",
  "references",
  "created_at",
  "created_by",
  "body",
]);

const LINEAGE_FIELDS = [
  ["root_spec_id", "root_spec_id"],
  ["root_idea_id", "root_idea_id"],
  ["source_spec_id", "source_spec_id"],
] as const;

export interface DraftSource {
  kind: "spec" | "incident" | "blueprint_draft";
  id: string;
  lineage: BlueprintLineage;
  /** Workspace-relative references every draft gets (the source document, the drafts file). */
  references: string[];
  /** When the drafts are queued; draft n is stamped n-1 milliseconds later, so they claim in order. */
  now: Date;
}

function parseDraftArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw blueprintRefused(WHAT, `blueprint_drafts.json is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed))
    throw blueprintRefused(WHAT, "blueprint_drafts.json must hold a JSON array of drafts");
  if (parsed.length === 0) throw blueprintRefused(WHAT, "blueprint_drafts.json lists no drafts");
  if (parsed.length > MAX_DRAFTS)
    throw blueprintRefused(
      WHAT,
      `blueprint_drafts.json lists ${parsed.length} drafts; at most ${MAX_DRAFTS} are allowed`,
    );
  return parsed;
}

/** `draft 2 (draft-x-02)`: how a refusal names the draft it is about. */
function label(index: number, raw: Record<string, unknown>): string {
  const id = typeof raw.draft_id === "string" && !explainUnsafeId(raw.draft_id) ? ` (${raw.draft_id})` : "";
  return `draft ${index + 1}${id}`;
}

function draftDocument(raw: unknown, index: number, source: DraftSource): BlueprintDraftDocument {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw blueprintRefused(WHAT, `draft ${index + 1} is not a JSON object`);
  const record = raw as Record<string, unknown>;
  const where = label(index, record);
  const unknown = Object.keys(record).find((key) => !DRAFT_FIELDS.has(key));
  if (unknown) throw blueprintRefused(WHAT, `${where}: ${JSON.stringify(unknown)} is not a draft field`);
  if (record.kind !== undefined && record.kind !== "blueprint_draft")
    throw blueprintRefused(WHAT, `${where}: kind must be blueprint_draft`);
  if (typeof record.draft_id === "string" && explainUnsafeId(record.draft_id))
    throw blueprintRefused(
      WHAT,
      `${where}: draft_id ${JSON.stringify(record.draft_id)} is not a safe id (${explainUnsafeId(record.draft_id)})`,
    );
  const conflict = lineageConflict(record, source.lineage, LINEAGE_FIELDS);
  if (conflict) throw blueprintRefused(WHAT, `${where}: ${conflict}`);
  const result = BlueprintDraftDocumentSchema.safeParse({
    created_by: "manager_blueprint",
    ...record,
    ...source.lineage,
    kind: "blueprint_draft",
    source_kind: source.kind,
    source_id: source.id,
    references: [...new Set([...((record.references as string[] | undefined) ?? []), ...source.references])],
    created_at: new Date(source.now.getTime() + index).toISOString(),
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || "draft";
    const missing = issue && typeof issue.path[0] === "string" && !(issue.path[0] in record);
    throw blueprintRefused(
      WHAT,
      `${where}: ${field} ${missing ? "is required but missing" : (issue?.message ?? "is invalid")}`,
    );
  }
  return result.data;
}

/** Order and dependency rules across the whole list: unique ids, indexes 1..n, earlier dependencies only. */
function checkSequence(drafts: readonly BlueprintDraftDocument[]): void {
  const seen = new Map<string, number>();
  drafts.forEach((draft, index) => {
    const where = `draft ${index + 1} (${draft.draft_id})`;
    if (seen.has(draft.draft_id))
      throw blueprintRefused(WHAT, `${where}: draft_id repeats draft ${seen.get(draft.draft_id)}`);
    if (draft.draft_index !== index + 1)
      throw blueprintRefused(
        WHAT,
        `${where}: draft_index is ${draft.draft_index}; drafts must count 1, 2, 3, ... in file order`,
      );
    for (const dependency of draft.depends_on_draft_ids) {
      if (!seen.has(dependency))
        throw blueprintRefused(
          WHAT,
          `${where}: depends on ${dependency}, which is not an earlier draft in this list`,
        );
    }
    seen.set(draft.draft_id, index + 1);
  });
  const manifests = new Set(drafts.map((draft) => draft.manifest_id ?? null));
  if (manifests.size > 1) throw blueprintRefused(WHAT, "the drafts name more than one manifest_id");
}

/**
 * Every draft of a Manager Blueprint result, validated as a whole before anything is queued: a
 * JSON array of at most MAX_DRAFTS objects, each a valid draft with a safe unique id, indexes
 * 1..n, dependencies only on earlier drafts, and lineage that agrees with the source.
 */
export function parseBlueprintDrafts(text: string, source: DraftSource): BlueprintDraftDocument[] {
  const drafts = parseDraftArray(text).map((raw, index) => draftDocument(raw, index, source));
  checkSequence(drafts);
  return drafts;
}

/** Checks `blueprint_manifest.json`, when the stage wrote one, against the drafts. */
export function checkManifest(
  text: string | undefined,
  drafts: readonly BlueprintDraftDocument[],
): string | null {
  const manifestId = drafts[0]?.manifest_id ?? null;
  if (text === undefined) return manifestId;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw blueprintRefused(WHAT, `blueprint_manifest.json is not valid JSON (${(error as Error).message})`);
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    throw blueprintRefused(WHAT, "blueprint_manifest.json must hold one JSON object");
  const { manifest_id: id, draft_ids: ids } = manifest as Record<string, unknown>;
  if (typeof id !== "string" || explainUnsafeId(id))
    throw blueprintRefused(WHAT, "blueprint_manifest.json needs a manifest_id that is a safe id");
  if (manifestId !== null && manifestId !== id)
    throw blueprintRefused(
      WHAT,
      `the drafts name manifest ${manifestId}, but blueprint_manifest.json is ${id}`,
    );
  const expected = drafts.map((draft) => draft.draft_id);
  if (!Array.isArray(ids) || ids.join("\n") !== expected.join("\n"))
    throw blueprintRefused(
      WHAT,
      `blueprint_manifest.json draft_ids must list ${expected.join(", ")} in that order`,
    );
  return id;
}

/** True when an existing queue document is this draft, queued by an earlier application of the same result. */
export function isSameDraft(existing: WorkDocument | undefined, source: DraftSource): boolean {
  return (
    existing?.kind === "blueprint_draft" &&
    existing.source_id === source.id &&
    existing.source_kind === source.kind
  );
}

import path from "node:path";
import type { BlueprintDraftDocument } from "@millrace/contracts";
import { runDir, toWorkspaceRelative } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../../state/context.js";
import { findDocument } from "../run-end.js";
import type { StageCompletion } from "../stage-completion.js";
import {
  checkManifest,
  type DraftSource,
  isSameDraft,
  MAX_DRAFTS_FILE_BYTES,
  parseBlueprintDrafts,
} from "./drafts-file.js";
import { lineageOf } from "./lineage.js";
import { blueprintRefused, readArtifact } from "./refusal.js";

const WHAT = "blueprint drafts";

function draftSource(ctx: EngineContext, completion: StageCompletion): DraftSource {
  const { run } = completion;
  const kind = run.work_item_kind;
  const id = run.work_item_id as string;
  if (kind !== "spec" && kind !== "incident" && kind !== "blueprint_draft")
    throw blueprintRefused(WHAT, `a ${kind ?? "missing"} work item cannot be decomposed into drafts`);
  const doc = findDocument(ctx, kind, id);
  if (!doc) throw blueprintRefused(WHAT, `the source ${kind} ${id} is not in the queue`);
  // Re-planning a stuck draft may split it once; splitting the pieces again would never end.
  if (doc.kind === "blueprint_draft" && doc.source_kind === "blueprint_draft")
    throw blueprintRefused(
      WHAT,
      `${id} was already re-drafted from ${doc.source_id}; a re-drafted draft is not split again (an operator must decide)`,
    );
  const dir = runDir(ctx.paths, run.run_id);
  // The source is completed right after its drafts are queued: name it where it will be.
  const sourceFile = path.join(ctx.queue.folder(kind, "done").dir, `${id}.md`);
  return {
    kind,
    id,
    lineage: lineageOf(doc),
    references: [
      toWorkspaceRelative(ctx.paths, sourceFile),
      toWorkspaceRelative(ctx.paths, path.join(dir, "blueprint_drafts.json")),
    ],
    now: ctx.clock(),
  };
}

/**
 * MANAGER_BLUEPRINT_COMPLETE: the run folder's `blueprint_drafts.json` (and its manifest, when
 * written) is validated as a whole, then every draft is queued as a `blueprint_draft` work item with
 * the source's lineage. Anything wrong refuses the whole result before a single draft is queued.
 * The caller completes the source afterwards.
 */
export function queueBlueprintDrafts(ctx: EngineContext, completion: StageCompletion): void {
  const source = draftSource(ctx, completion);
  const dir = runDir(ctx.paths, completion.run.run_id);
  const text = readArtifact(
    path.join(dir, "blueprint_drafts.json"),
    "blueprint_drafts.json",
    MAX_DRAFTS_FILE_BYTES,
    WHAT,
  );
  if (text === undefined)
    throw blueprintRefused(
      WHAT,
      "the outcome is MANAGER_BLUEPRINT_COMPLETE but the run folder has no blueprint_drafts.json",
    );
  const drafts = parseBlueprintDrafts(text, source);
  const manifestText = readArtifact(
    path.join(dir, "blueprint_manifest.json"),
    "blueprint_manifest.json",
    MAX_DRAFTS_FILE_BYTES,
    WHAT,
  );
  const manifestId = checkManifest(manifestText, drafts);
  const pending: BlueprintDraftDocument[] = [];
  for (const draft of drafts) {
    const existing = ctx.queue.find(draft.draft_id);
    if (!existing) {
      pending.push(draft);
      continue;
    }
    // Already queued by an earlier application of this same result (a replay): leave it.
    if (isSameDraft(findDocument(ctx, "blueprint_draft", draft.draft_id), source)) continue;
    throw blueprintRefused(
      WHAT,
      `draft ${draft.draft_index} (${draft.draft_id}): the id is already taken by ${existing.kind} ${draft.draft_id} in ${existing.state}`,
    );
  }
  for (const draft of pending) ctx.queue.enqueue("blueprint_draft", draft);
  recordEvent(ctx, "blueprint_drafts_queued", {
    source_kind: source.kind,
    source_id: source.id,
    run_id: completion.run.run_id,
    manifest_id: manifestId,
    draft_ids: drafts.map((draft) => draft.draft_id),
  });
}

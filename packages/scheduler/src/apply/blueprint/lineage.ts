import type { BlueprintDraftDocument, WorkDocument } from "@millrace/contracts";
import { effectiveRootSpecId } from "@millrace/contracts";

/** The lineage a blueprint effect stamps on what it queues, taken from the item the stage ran on. */
export interface BlueprintLineage {
  root_spec_id?: string;
  root_idea_id?: string;
  root_intake_kind?: BlueprintDraftDocument["root_intake_kind"];
  root_intake_id?: string;
  /** The spec the work serves (a draft's source spec, a task's spec_id). */
  source_spec_id?: string;
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Lineage of a spec, incident or blueprint draft, as queued work under it should carry it. */
export function lineageOf(doc: WorkDocument): BlueprintLineage {
  const root = effectiveRootSpecId(doc);
  switch (doc.kind) {
    case "spec":
      return defined({
        root_spec_id: root ?? doc.spec_id,
        root_idea_id: doc.root_idea_id,
        root_intake_kind: doc.root_intake_kind,
        root_intake_id: doc.root_intake_id,
        source_spec_id: doc.spec_id,
      });
    case "incident":
      return defined({
        root_spec_id: root,
        root_idea_id: doc.root_idea_id,
        root_intake_kind: doc.root_intake_kind,
        root_intake_id: doc.root_intake_id,
        source_spec_id: doc.source_spec_id ?? root,
      });
    case "blueprint_draft":
      return defined({
        root_spec_id: root,
        root_idea_id: doc.root_idea_id,
        root_intake_kind: doc.root_intake_kind,
        root_intake_id: doc.root_intake_id,
        source_spec_id: doc.source_spec_id,
      });
    default:
      return {};
  }
}

/**
 * The first lineage field a stage wrote that disagrees with the source's lineage, as a sentence;
 * undefined when they agree (fields the stage left out are filled in from the source).
 */
export function lineageConflict(
  written: Record<string, unknown>,
  lineage: BlueprintLineage,
  fields: ReadonlyArray<readonly [string, keyof BlueprintLineage]>,
): string | undefined {
  for (const [field, key] of fields) {
    const value = written[field];
    const expected = lineage[key];
    if (value === undefined || value === null || expected === undefined) continue;
    if (value !== expected)
      return `${field} is ${JSON.stringify(value)}, but the source's lineage says ${expected}`;
  }
  return undefined;
}

import path from "node:path";
import type { LineageDriftFinding } from "@millrace/contracts";
import { type CachedEntry, sortKeyOf } from "../cache/entries.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";

/** Open work, in scan order: tasks, specs, incidents; queue, active, blocked. */
const OPEN_KINDS = ["task", "spec", "incident"] as const;
/**
 * Work that holds closure: the above plus blueprint drafts. Drafts are left out of the drift scan:
 * the runtime writes them with their source's lineage, and repair-lineage never rewrites them.
 */
const CLOSURE_HOLDING_KINDS = [...OPEN_KINDS, "blueprint_draft"] as const;
const OPEN_STATES = ["queue", "active", "blocked"] as const;

/**
 * Ids of open work (queued, active or blocked tasks, specs, incidents and blueprint drafts) whose
 * effective root spec is `rootSpecId`, in scan order (kinds as above; queue, active, blocked), deduped.
 * Unreadable files are ignored.
 */
export function openLineageWork(ctx: StoreContext, rootSpecId: string): string[] {
  const seen = new Set<string>();
  for (const kind of CLOSURE_HOLDING_KINDS) {
    for (const state of OPEN_STATES) {
      for (const [, entry] of ctx.cache.sync(folderOf(ctx, kind, state)).all()) {
        if (entry.error === null && entry.root_spec_id === rootSpecId) seen.add(entry.id);
      }
    }
  }
  return [...seen];
}

export interface ClosureTarget {
  rootSpecId: string;
  rootIdeaId: string;
}

function driftReason(
  entry: CachedEntry,
  target: ClosureTarget,
  aliases: ReadonlySet<string>,
): LineageDriftFinding["diagnostic_reason"] | undefined {
  if (entry.root_idea_id !== null && entry.root_idea_id === target.rootIdeaId) {
    return "same_root_idea_different_root_spec";
  }
  if (
    (entry.root_spec_id !== null && aliases.has(entry.root_spec_id)) ||
    (entry.spec_id !== null && aliases.has(entry.spec_id))
  ) {
    return "known_root_spec_alias";
  }
  return undefined;
}

/**
 * Lineage drift for an open closure target: open work (queue, active, blocked tasks, specs and
 * incidents) whose effective root spec is not the target's, although it shares the target's root
 * idea, or names a known alias of the target's root spec (`idea-idea-X` is an alias of `idea-X`).
 * Sorted by (path, id); unreadable files are ignored.
 */
export function lineageDrift(ctx: StoreContext, target: ClosureTarget): LineageDriftFinding[] {
  const aliases = new Set<string>();
  if (target.rootSpecId.startsWith("idea-idea-")) aliases.add(target.rootSpecId.slice("idea-".length));
  const findings: LineageDriftFinding[] = [];
  for (const kind of OPEN_KINDS) {
    for (const state of OPEN_STATES) {
      const folder = folderOf(ctx, kind, state);
      for (const [name, entry] of ctx.cache.sync(folder).all()) {
        if (entry.error !== null || entry.root_spec_id === target.rootSpecId) continue;
        const reason = driftReason(entry, target, aliases);
        if (!reason) continue;
        findings.push({
          work_item_kind: kind,
          work_item_id: entry.id,
          state,
          path: relativeOf(ctx, path.join(folder.dir, name)),
          expected_root_spec_id: target.rootSpecId,
          actual_root_spec_id: entry.root_spec_id,
          root_idea_id: entry.root_idea_id,
          spec_id: entry.spec_id,
          diagnostic_reason: reason,
        });
      }
    }
  }
  return findings.sort((a, b) =>
    a.path === b.path ? (a.work_item_id < b.work_item_id ? -1 : 1) : a.path < b.path ? -1 : 1,
  );
}

/** Root specs waiting in specs/queue whose root is not the open one, oldest first. */
export function deferredRootSpecs(ctx: StoreContext, openRootSpecId: string): string[] {
  const view = ctx.cache.sync(folderOf(ctx, "spec", "queue"));
  return [...view.all()]
    .map(([, entry]) => entry)
    .filter((entry) => entry.error === null && entry.is_root_spec && entry.root_spec_id !== openRootSpecId)
    .sort((a, b) =>
      sortKeyOf(a) === sortKeyOf(b) ? (a.id < b.id ? -1 : 1) : sortKeyOf(a) < sortKeyOf(b) ? -1 : 1,
    )
    .map((entry) => entry.id);
}

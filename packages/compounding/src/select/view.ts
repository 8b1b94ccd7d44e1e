import {
  type CompoundingItemKind,
  type CompoundingScope,
  type RetrievalStatus,
  timestampSortKey,
} from "@millrace/contracts";
import { factStatus, latestLifecycleOf, procedureStatus } from "../lifecycle/status.js";
import type { CompoundingSnapshot } from "../store/snapshot.js";

/** One retrievable item, flattened for fast, repeatable selection. */
export interface ViewItem {
  readonly kind: CompoundingItemKind;
  readonly id: string;
  readonly scope: CompoundingScope;
  readonly sourceRunId: string;
  readonly sourceStage: string;
  readonly status: RetrievalStatus;
  readonly createdKey: bigint;
  readonly title: string;
  readonly summary: string;
  readonly body: string;
  readonly tags: readonly string[];
  /** Lower-case alphanumeric tokens of 4+ characters (facts only; for pattern matching). */
  readonly tokens: ReadonlySet<string>;
}

/** Items per family, newest first then by id; one item per id (the first file in sorted order wins). */
export interface RetrievalView {
  readonly procedures: readonly ViewItem[];
  readonly facts: readonly ViewItem[];
}

const TOKEN = /[a-z0-9]{4,}/g;
const EMPTY: ReadonlySet<string> = new Set();

export function tokensOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(TOKEN) ?? []);
}

const cache = new WeakMap<CompoundingSnapshot, RetrievalView>();
/** Each stored value's item, reused while its status holds: building one per stage costs the most. */
const items = new WeakMap<object, ViewItem>();

/** What a procedure and a fact share, as the view holds it. */
interface StoredItem {
  readonly scope: CompoundingScope;
  readonly source_run_id: string;
  readonly source_stage: string;
  readonly created_at: string;
  readonly title: string;
  readonly summary: string;
  readonly tags: readonly string[];
}

/**
 * The item of a stored value with this status: the one made before (a status change copies it),
 * or a new one the first time.
 */
function itemOf(
  value: StoredItem,
  status: RetrievalStatus,
  own: () => Pick<ViewItem, "kind" | "id" | "body" | "tokens">,
): ViewItem {
  const known = items.get(value);
  if (known?.status === status) return known;
  // Everything but the status comes from the value, which is never changed in place.
  const item = known
    ? { ...known, status }
    : {
        ...own(),
        scope: value.scope,
        sourceRunId: value.source_run_id,
        sourceStage: value.source_stage,
        status,
        createdKey: timestampSortKey(value.created_at),
        title: value.title,
        summary: value.summary,
        tags: value.tags,
      };
  items.set(value, item);
  return item;
}

/** The view of a snapshot, computed once per snapshot object. */
export function retrievalView(snapshot: CompoundingSnapshot): RetrievalView {
  const cached = cache.get(snapshot);
  if (cached) return cached;
  const latest = latestLifecycleOf(snapshot.lifecycle);
  const procedures = unique(
    snapshot.procedures.map(({ value }) =>
      itemOf(value, procedureStatus(value, latest), () => ({
        kind: "procedure",
        id: value.procedure_id,
        body: value.procedure_markdown,
        tokens: EMPTY,
      })),
    ),
  );
  const facts = unique(
    snapshot.facts.map(({ value }) =>
      itemOf(value, factStatus(value, latest), () => ({
        kind: "fact",
        id: value.fact_id,
        body: value.statement,
        // The statement's head is enough to match on and keeps the view cheap to build.
        tokens: tokensOf(
          `${value.title} ${value.summary} ${value.tags.join(" ")} ${value.statement.slice(0, 500)}`,
        ),
      })),
    ),
  );
  const view = { procedures, facts };
  cache.set(snapshot, view);
  return view;
}

function unique(items: ViewItem[]): ViewItem[] {
  const seen = new Set<string>();
  const out: ViewItem[] = [];
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    out.push(item);
  }
  return out.sort((a, b) => {
    if (a.createdKey !== b.createdKey) return a.createdKey > b.createdKey ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

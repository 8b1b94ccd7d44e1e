import {
  type CompoundingItemKind,
  type CompoundingScope,
  type ContextFact,
  type RetrievalStatus,
  type ReusableProcedure,
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

function itemOf(
  stored: { procedure: ReusableProcedure } | { fact: ContextFact },
  status: RetrievalStatus,
): ViewItem {
  const value = "procedure" in stored ? stored.procedure : stored.fact;
  const known = items.get(value);
  if (known?.status === status) return known;
  const isProcedure = "procedure" in stored;
  const item: ViewItem = {
    kind: isProcedure ? "procedure" : "fact",
    id: "procedure" in stored ? stored.procedure.procedure_id : stored.fact.fact_id,
    scope: value.scope,
    sourceRunId: value.source_run_id,
    sourceStage: value.source_stage,
    status,
    createdKey: known?.createdKey ?? timestampSortKey(value.created_at),
    title: value.title,
    summary: value.summary,
    body: "procedure" in stored ? stored.procedure.procedure_markdown : stored.fact.statement,
    tags: value.tags,
    // The statement's head is enough to match on and keeps the view cheap to build.
    tokens:
      "procedure" in stored
        ? EMPTY
        : (known?.tokens ??
          tokensOf(
            `${value.title} ${value.summary} ${value.tags.join(" ")} ${stored.fact.statement.slice(0, 500)}`,
          )),
  };
  items.set(value, item);
  return item;
}

/** The view of a snapshot, computed once per snapshot object. */
export function retrievalView(snapshot: CompoundingSnapshot): RetrievalView {
  const cached = cache.get(snapshot);
  if (cached) return cached;
  const known = latestLifecycleOf(snapshot.lifecycle);
  const procedures = unique(
    snapshot.procedures.map(({ value }) => itemOf({ procedure: value }, procedureStatus(value, known))),
  );
  const facts = unique(snapshot.facts.map(({ value }) => itemOf({ fact: value }, factStatus(value, known))));
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

import path from "node:path";
import {
  type CompoundingItemKind,
  type CompoundingScope,
  type ContextFact,
  type ProcedureLifecycleRecord,
  type RetrievalStatus,
  type ReusableProcedure,
  timestampSortKey,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { statusOfState } from "../lifecycle/status.js";
import type { CompoundingPaths } from "../store/paths.js";
import type { LoadedFile } from "../store/read-json.js";

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

/**
 * One family (procedures or facts) as selection needs it, one item per id (the first file in the
 * whole load's order wins). Only the items a stage can be given are held whole: the promoted
 * (`eligible`) workspace items and, on request, one run's candidates. The rest are counted.
 */
export interface FamilyView {
  /** Workspace items whose status is `eligible`, newest first, then by id. */
  eligible(): readonly ViewItem[];
  /** Workspace items pending review (`stale`) and deprecated ones. */
  readonly stale: number;
  readonly deprecated: number;
  /** Run-scope items of every run. */
  readonly run: number;
  /** Run-scope items of one run. */
  runCount(runId: string): number;
  /** Run-scope items of one run, loaded, newest first, then by id. */
  runItems(runId: string): readonly ViewItem[];
}

/**
 * What selection and flushing use of the store. Its size does not follow the store's history: the
 * items no stage can be given are only counted, and their text stays on disk.
 */
export interface RetrievalView {
  readonly paths: CompoundingPaths;
  readonly workspacePaths: WorkspacePaths;
  readonly procedures: FamilyView;
  readonly facts: FamilyView;
  /** Whether any workspace-scope procedure file holds this id. */
  hasWorkspaceProcedure(id: string): boolean;
  /** Whether any lifecycle record governs this item. */
  hasLifecycle(kind: CompoundingItemKind, id: string): boolean;
  /** Every run-scope procedure file of a run, loaded, oldest first, then by id. */
  runProcedures(runId: string): readonly LoadedFile<ReusableProcedure>[];
}

type Category = "run" | "eligible" | "stale" | "deprecated";

/** Where a stored file sits, in the whole load's order: the family's top folder, then each run folder by name. */
export interface FilePlace {
  /** The folder holding the file. */
  readonly dir: string;
  /** "" for the family's top folder, else the run folder's name (so the top sorts first). */
  readonly folder: string;
  readonly name: string;
}

/** A stored item as the index holds it: what selection counts by, and where its text is. */
interface Entry<T extends Stored> extends FilePlace {
  readonly id: string;
  readonly scope: CompoundingScope;
  readonly sourceRunId: string;
  readonly sourceStage: string;
  readonly createdKey: bigint;
  /** A fact's own `lifecycle_state` (used when no lifecycle record names it). */
  readonly ownState: string | null;
  /** The stored value: a whole load's index keeps it; a cache's only while the file is being added. */
  value: T | undefined;
  /** How the item is counted while it is its id's first file. */
  category: Category | undefined;
  /** The item (with its text), while it is eligible. */
  item: ViewItem | undefined;
}

function fileOf(place: FilePlace): string {
  return path.join(place.dir, place.name);
}

function byPlace(a: FilePlace, b: FilePlace): number {
  if (a.folder !== b.folder) return a.folder < b.folder ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function newestFirst(a: ViewItem, b: ViewItem): number {
  if (a.createdKey !== b.createdKey) return a.createdKey > b.createdKey ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const TOKEN = /[a-z0-9]{4,}/g;
const EMPTY: ReadonlySet<string> = new Set();

export function tokensOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(TOKEN) ?? []);
}

/** Short strings that repeat across the store (run ids, stage names) are held once. */
const interned = new Map<string, string>();
function intern(value: string): string {
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size > 10_000) interned.clear();
  interned.set(value, value);
  return value;
}

/** How a family reads its values: its kind, its id field, its item fields. */
type Stored = ReusableProcedure | ContextFact;

interface FamilyKind<T extends Stored> {
  readonly kind: CompoundingItemKind;
  idOf(value: T): string;
  ownState(value: T): string | null;
  item(value: T, status: RetrievalStatus): ViewItem;
}

function common(value: Stored, status: RetrievalStatus) {
  return {
    scope: value.scope,
    sourceRunId: value.source_run_id,
    sourceStage: value.source_stage,
    status,
    createdKey: timestampSortKey(value.created_at),
    title: value.title,
    summary: value.summary,
    tags: value.tags,
  };
}

export const PROCEDURE_KIND: FamilyKind<ReusableProcedure> = {
  kind: "procedure",
  idOf: (value) => value.procedure_id,
  ownState: () => null,
  item: (value, status) => ({
    kind: "procedure",
    id: value.procedure_id,
    body: value.procedure_markdown,
    tokens: EMPTY,
    ...common(value, status),
  }),
};

export const FACT_KIND: FamilyKind<ContextFact> = {
  kind: "fact",
  idOf: (value) => value.fact_id,
  ownState: (value) => value.lifecycle_state,
  item: (value, status) => ({
    kind: "fact",
    id: value.fact_id,
    body: value.statement,
    // The statement's head is enough to match on and keeps the item cheap to build.
    tokens: tokensOf(
      `${value.title} ${value.summary} ${value.tags.join(" ")} ${value.statement.slice(0, 500)}`,
    ),
    ...common(value, status),
  }),
};

/** Reads a stored value again from its file (null when it no longer loads). */
export type ValueReader<T> = (file: string) => T | null;

/** One family's items, kept current file by file (added, removed) and lifecycle change by change. */
class FamilyIndex<T extends Stored> implements FamilyView {
  /** Every file's entry per id, in the whole load's order: the first one is the id's item. */
  private readonly byId = new Map<string, Entry<T>[]>();
  /** Every run-scope file's entry per source run. */
  private readonly byRun = new Map<string, Set<Entry<T>>>();
  private readonly eligibleEntries = new Set<Entry<T>>();
  private eligibleSorted: ViewItem[] | undefined;
  stale = 0;
  deprecated = 0;
  run = 0;

  constructor(
    private readonly family: FamilyKind<T>,
    private readonly read: ValueReader<T>,
    /** Whether entries keep their values (a whole load's index); a cache's index reads them again. */
    private readonly keepValues: boolean,
    private readonly stateOf: (kind: CompoundingItemKind, id: string) => string | undefined,
  ) {}

  add(place: FilePlace, value: T): Entry<T> {
    const id = this.family.idOf(value);
    const entry: Entry<T> = {
      dir: place.dir,
      folder: place.folder,
      name: place.name,
      // A workspace file is named after its id: the id is then a slice of the name, not a copy.
      id: place.name === `${id}.json` ? place.name.slice(0, -5) : id,
      scope: value.scope,
      sourceRunId: intern(value.source_run_id),
      sourceStage: intern(value.source_stage),
      createdKey: timestampSortKey(value.created_at),
      ownState: this.family.ownState(value),
      value,
      category: undefined,
      item: undefined,
    };
    this.change(entry.id, () => {
      const list = this.byId.get(entry.id);
      if (!list) this.byId.set(entry.id, [entry]);
      else {
        let at = list.length;
        while (at > 0 && byPlace(list[at - 1] as Entry<T>, entry) > 0) at -= 1;
        list.splice(at, 0, entry);
      }
      if (entry.scope === "run") {
        const set = this.byRun.get(entry.sourceRunId);
        if (set) set.add(entry);
        else this.byRun.set(entry.sourceRunId, new Set([entry]));
      }
    });
    if (!this.keepValues) entry.value = undefined;
    return entry;
  }

  remove(entry: Entry<T>): void {
    this.change(entry.id, () => {
      const list = this.byId.get(entry.id) ?? [];
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byId.delete(entry.id);
      const set = this.byRun.get(entry.sourceRunId);
      if (set?.delete(entry) && set.size === 0) this.byRun.delete(entry.sourceRunId);
    });
  }

  /** The id's lifecycle changed: count its item again. */
  restatus(id: string): void {
    if (this.byId.has(id)) this.change(id, () => {});
  }

  /** Counts the id's item out, applies the change, and counts it in again. */
  private change(id: string, apply: () => void): void {
    const before = this.byId.get(id)?.[0];
    if (before) this.uncount(before);
    apply();
    const after = this.byId.get(id)?.[0];
    if (after) this.count(after);
  }

  private uncount(entry: Entry<T>): void {
    switch (entry.category) {
      case "run":
        this.run -= 1;
        break;
      case "eligible":
        this.eligibleEntries.delete(entry);
        this.eligibleSorted = undefined;
        entry.item = undefined;
        break;
      case "stale":
        this.stale -= 1;
        break;
      case "deprecated":
        this.deprecated -= 1;
        break;
    }
    entry.category = undefined;
  }

  private count(entry: Entry<T>): void {
    let category: Category;
    if (entry.scope === "run") category = "run";
    else {
      const status = statusOfState(this.stateOf(this.family.kind, entry.id) ?? entry.ownState);
      category = status;
      if (status === "eligible") {
        const value = this.valueOf(entry);
        // A file that no longer loads as this item is passed over until it is read again.
        if (value === null || this.family.idOf(value) !== entry.id || value.scope !== "workspace")
          category = "stale";
        else {
          entry.item = this.family.item(value, "eligible");
          this.eligibleEntries.add(entry);
          this.eligibleSorted = undefined;
        }
      }
    }
    entry.category = category;
    if (category === "run") this.run += 1;
    else if (category === "stale") this.stale += 1;
    else if (category === "deprecated") this.deprecated += 1;
  }

  private valueOf(entry: Entry<T>): T | null {
    return entry.value ?? this.read(fileOf(entry));
  }

  eligible(): readonly ViewItem[] {
    if (!this.eligibleSorted) {
      this.eligibleSorted = [...this.eligibleEntries]
        .map((entry) => entry.item as ViewItem)
        .sort(newestFirst);
    }
    return this.eligibleSorted;
  }

  /** The run's run-scope entries that are their id's item. */
  private runFirsts(runId: string): Entry<T>[] {
    return [...(this.byRun.get(runId) ?? [])].filter((entry) => this.byId.get(entry.id)?.[0] === entry);
  }

  runCount(runId: string): number {
    return this.runFirsts(runId).length;
  }

  runItems(runId: string): readonly ViewItem[] {
    const items: ViewItem[] = [];
    for (const entry of this.runFirsts(runId)) {
      const value = this.valueOf(entry);
      if (value !== null) items.push(this.family.item(value, "run_candidate"));
    }
    return items.sort(newestFirst);
  }

  /** The id string the index already holds for this id, if any. */
  knownId(id: string): string | undefined {
    return this.byId.get(id)?.[0]?.id;
  }

  hasScope(id: string, scope: CompoundingScope): boolean {
    return this.byId.get(id)?.some((entry) => entry.scope === scope) ?? false;
  }

  /** Every run-scope file of a run, loaded, in the whole load's order. */
  runFiles(runId: string): LoadedFile<T>[] {
    const out: LoadedFile<T>[] = [];
    for (const entry of [...(this.byRun.get(runId) ?? [])].sort(byPlace)) {
      const value = this.valueOf(entry);
      if (value !== null) out.push({ file: fileOf(entry), value });
    }
    return out;
  }
}

/** A lifecycle record as the index holds it. */
interface RecordEntry {
  readonly kind: CompoundingItemKind;
  readonly itemId: string;
  readonly state: string;
  readonly changedKey: bigint;
  readonly recordId: string;
}

/** Latest record first: by `changed_at`, then by record id (ids carry a zero-padded sequence). */
function laterThan(a: RecordEntry, b: RecordEntry): boolean {
  if (a.changedKey !== b.changedKey) return a.changedKey > b.changedKey;
  return a.recordId > b.recordId;
}

/**
 * The store as selection and flushing use it, kept current file by file: `add*` when a file is read,
 * `remove*` when it went or changed. A whole load's index (`retrievalView`) is built the same way.
 */
export class StoreIndex implements RetrievalView {
  readonly procedures: FamilyIndex<ReusableProcedure>;
  readonly facts: FamilyIndex<ContextFact>;
  /** Lifecycle records per kind, per item id (the item's own id string as the key: no joined key). */
  private readonly records: Record<CompoundingItemKind, Map<string, RecordEntry[]>> = {
    procedure: new Map(),
    fact: new Map(),
  };

  constructor(
    readonly paths: CompoundingPaths,
    readonly workspacePaths: WorkspacePaths,
    readers: { procedure: ValueReader<ReusableProcedure>; fact: ValueReader<ContextFact> },
    keepValues: boolean,
  ) {
    const stateOf = (kind: CompoundingItemKind, id: string) => this.latest(kind, id)?.state;
    this.procedures = new FamilyIndex(PROCEDURE_KIND, readers.procedure, keepValues, stateOf);
    this.facts = new FamilyIndex(FACT_KIND, readers.fact, keepValues, stateOf);
  }

  private latest(kind: CompoundingItemKind, id: string): RecordEntry | undefined {
    let latest: RecordEntry | undefined;
    for (const record of this.records[kind].get(id) ?? []) {
      if (!latest || laterThan(record, latest)) latest = record;
    }
    return latest;
  }

  /** `fileName`: the record's file name, when it is `<record_id>.json` its id is held as a slice of it. */
  addRecord(record: ProcedureLifecycleRecord, fileName?: string): RecordEntry {
    const entry: RecordEntry =
      record.procedure_id !== null
        ? this.recordEntry("procedure", record.procedure_id, record, fileName)
        : this.recordEntry("fact", record.fact_id ?? "", record, fileName);
    const list = this.records[entry.kind].get(entry.itemId);
    if (list) list.push(entry);
    else this.records[entry.kind].set(entry.itemId, [entry]);
    this.familyOf(entry.kind).restatus(entry.itemId);
    return entry;
  }

  removeRecord(entry: RecordEntry): void {
    const list = this.records[entry.kind].get(entry.itemId) ?? [];
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.records[entry.kind].delete(entry.itemId);
    this.familyOf(entry.kind).restatus(entry.itemId);
  }

  private recordEntry(
    kind: CompoundingItemKind,
    itemId: string,
    record: ProcedureLifecycleRecord,
    fileName: string | undefined,
  ) {
    return {
      kind,
      // The item's own id string when the item is known (one string per id, not one per record).
      itemId: this.familyOf(kind).knownId(itemId) ?? itemId,
      state: record.state,
      changedKey: timestampSortKey(record.changed_at),
      recordId: fileName === `${record.record_id}.json` ? fileName.slice(0, -5) : record.record_id,
    };
  }

  private familyOf(kind: CompoundingItemKind): FamilyIndex<ReusableProcedure> | FamilyIndex<ContextFact> {
    return kind === "procedure" ? this.procedures : this.facts;
  }

  hasWorkspaceProcedure(id: string): boolean {
    return this.procedures.hasScope(id, "workspace");
  }

  hasLifecycle(kind: CompoundingItemKind, id: string): boolean {
    return this.records[kind].has(id);
  }

  runProcedures(runId: string): readonly LoadedFile<ReusableProcedure>[] {
    return this.procedures.runFiles(runId).sort((a, b) => {
      const ta = timestampSortKey(a.value.created_at);
      const tb = timestampSortKey(b.value.created_at);
      if (ta !== tb) return ta < tb ? -1 : 1;
      const ia = a.value.procedure_id;
      const ib = b.value.procedure_id;
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
  }
}

export type { Entry as IndexEntry, FamilyIndex, RecordEntry };

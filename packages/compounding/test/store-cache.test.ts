import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  deprecateItem,
  extractLearningFact,
  extractRunCandidate,
  FULL_CHECK_MS,
  flushRunCandidates,
  loadCompoundingSnapshot,
  openStoreCache,
  planFlush,
  promoteItem,
  type RetrievalView,
  RUN_FOLDERS_PER_LOOK,
  recordLearningFact,
  recordRunCandidate,
  retrievalView,
  selectPromptContext,
} from "../src/index.js";
import { completion, OTHER_RUN, RUN, requestId, tempWorkspace, write, writeJson } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");
const THIRD_RUN = "run-0000000000000000000000000000000c";

/** Everything selection and flushing can see of a view, for the runs named. */
function seen(view: RetrievalView, runIds: readonly string[]) {
  const family = (f: RetrievalView["procedures"]) => ({
    eligible: f.eligible(),
    stale: f.stale,
    deprecated: f.deprecated,
    run: f.run,
    runs: runIds.map((runId) => ({ count: f.runCount(runId), items: f.runItems(runId) })),
  });
  return {
    procedures: family(view.procedures),
    facts: family(view.facts),
    runProcedures: runIds.map((runId) => view.runProcedures(runId)),
    flushPlans: runIds.map((runId) => planFlush(view, runId, "run_closeout", "2026-04-28T12:00:00Z")),
    selections: runIds.flatMap((runId) =>
      (["builder", "checker", "updater"] as const).flatMap((stage) =>
        [true, false].map((includeRunCandidates) =>
          selectPromptContext(view, {
            runId,
            stage,
            includeRunCandidates,
            profile: "governed_plus",
            taskText: "integration database port",
          }),
        ),
      ),
    ),
  };
}

function candidateOf(runId: string, stage: "builder" | "checker") {
  const terminalResult = stage === "builder" ? "BUILDER_COMPLETE" : "CHECKER_PASS";
  const candidate = extractRunCandidate(
    completion({
      runId,
      requestId: requestId(),
      stage,
      terminalResult,
      finalMessage: completion().finalMessage?.replace("BUILDER_COMPLETE", terminalResult) ?? null,
    }),
  );
  if (!candidate) throw new Error("no candidate");
  return candidate;
}

/**
 * A store with one run candidate flushed to the workspace (not promoted), and a cache on it whose
 * clock the test moves (`clock.now`).
 */
function flushedStore() {
  const paths = tempWorkspace();
  const store = compoundingPaths(paths);
  const clock = { now: 1_000_000 };
  const cache = openStoreCache(paths, { now: () => clock.now });
  const candidate = candidateOf(RUN, "builder");
  recordRunCandidate(paths, candidate);
  flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
  const id = candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
  return { paths, store, clock, cache, candidate, id };
}

describe("openStoreCache", () => {
  it("keeps one view current: a candidate, a flush, a promotion", () => {
    const paths = tempWorkspace();
    const cache = openStoreCache(paths);
    const view = cache.get();
    const version = cache.version;
    expect(cache.get()).toBe(view);
    expect(cache.version).toBe(version);
    const candidate = candidateOf(RUN, "builder");
    recordRunCandidate(paths, candidate);
    expect(cache.get({ runId: RUN })).toBe(view);
    expect(cache.version).toBe(version + 1);
    expect(view.procedures.run).toBe(1);
    expect(view.procedures.runItems(RUN).map((item) => item.title)).toEqual([candidate.procedure.title]);
    flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW, store: cache.get() });
    const id = candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
    expect(selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).blocks).toEqual([]);
    expect(view.procedures.stale).toBe(1);
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
    expect(
      selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).selection.procedures
        .selected_ids,
    ).toEqual([id]);
    expect(view.procedures.stale).toBe(0);
  });

  it("selects and flushes as a whole read does, through candidates, facts, flushes, promotions, bad and removed files", () => {
    const paths = tempWorkspace();
    const store = compoundingPaths(paths);
    const cache = openStoreCache(paths);
    const runs = [RUN, OTHER_RUN, THIRD_RUN];
    // As the engine asks: naming the run it is working on.
    const same = (runId?: string) => {
      const cached = cache.get(runId ? { runId } : {});
      const whole = retrievalView(loadCompoundingSnapshot(paths));
      expect(seen(cached, runs)).toEqual(seen(whole, runs));
    };
    same();
    for (const [index, runId] of runs.entries()) {
      for (const stage of ["builder", "checker"] as const) {
        recordRunCandidate(paths, candidateOf(runId, stage));
        same(runId);
      }
      const fact = extractLearningFact(
        completion({
          runId,
          stage: "analyst",
          terminalResult: "ANALYST_COMPLETE",
          finalMessage: `# Port ${index} is taken\n\nThe integration database binds port 5432.\n\n### ANALYST_COMPLETE`,
        }),
      );
      if (!fact) throw new Error("no fact");
      recordLearningFact(paths, fact);
      same(runId);
      flushRunCandidates(paths, { runId, milestone: "run_closeout", now: NOW, store: cache.get({ runId }) });
      same(runId);
      const workspace = cache.get().procedures.eligible().length;
      const flushed = cache
        .get()
        .runProcedures(runId)[0]
        ?.value.procedure_id.replace("proc.run.", "proc.workspace.");
      if (!flushed) throw new Error("nothing flushed");
      if (index === 0) {
        promoteItem(paths, { kind: "procedure", id: flushed, issuer: "cli", reason: "ok", now: NOW });
        promoteItem(paths, { kind: "fact", id: fact.fact_id, issuer: "cli", reason: "ok", now: NOW });
        same();
        expect(cache.get().procedures.eligible().length).toBe(workspace + 1);
      }
      if (index === 1) {
        deprecateItem(paths, { kind: "procedure", id: flushed, issuer: "cli", reason: "old", now: NOW });
        same();
      }
    }
    // A run-scope fact, and a second file holding an id already stored (the first in load order wins).
    const runFact = JSON.parse(
      readFileSync(path.join(store.contextFacts, readdirJson(store.contextFacts)[0] as string), "utf8"),
    );
    writeJson(path.join(store.contextFacts, RUN, "fact.run.json"), {
      ...runFact,
      scope: "run",
      source_run_id: RUN,
    });
    same(RUN);
    const promoted = cache.get().procedures.eligible()[0];
    if (!promoted) throw new Error("nothing promoted");
    const twin = JSON.parse(readFileSync(path.join(store.procedures, `${promoted.id}.json`), "utf8"));
    writeJson(path.join(store.procedures, THIRD_RUN, "aaa-twin.json"), { ...twin, title: "Run twin" });
    same(THIRD_RUN);
    // One that sorts before the item's own file in the top folder: it takes the id over.
    writeJson(path.join(store.procedures, "aaa-twin.json"), { ...twin, title: "Top twin" });
    same(THIRD_RUN);
    expect(
      cache
        .get()
        .procedures.eligible()
        .map((item) => item.title),
    ).toContain("Top twin");
    // A file that is not valid JSON, one with a bad shape, a hidden one, then removals.
    write(path.join(store.procedures, "proc.workspace.broken.json"), "{ not json");
    write(path.join(store.lifecycle, "bad-shape.json"), JSON.stringify({ kind: "nope" }));
    write(path.join(store.procedures, ".hidden.json"), "{}");
    same();
    rmSync(path.join(store.procedures, "proc.workspace.broken.json"));
    same();
    rmSync(path.join(store.procedures, OTHER_RUN), { recursive: true });
    same();
    for (const name of readdirJson(store.lifecycle)) rmSync(path.join(store.lifecycle, name));
    same();
  });

  it("reads only new names between full checks: a file replaced in place is seen at the next one; older run folders are checked in turn", () => {
    const { paths, store, clock, cache, candidate, id } = flushedStore();
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
    const promotedTitles = () =>
      cache
        .get()
        .procedures.eligible()
        .map((item) => item.title);
    expect(promotedTitles()).toEqual([candidate.procedure.title]);
    // Another process replaces the workspace copy under its own name (a rename, so the folder times move).
    const file = path.join(store.procedures, `${id}.json`);
    const edited = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...edited, title: "Edited elsewhere" }));
    renameSync(`${file}.tmp`, file);
    expect(promotedTitles()).toEqual([candidate.procedure.title]);
    clock.now += FULL_CHECK_MS;
    expect(promotedTitles()).toEqual(["Edited elsewhere"]);
    // A file added to an older run's folder (only that folder's times move): seen when the run is
    // named, or when that folder's turn comes (RUN_FOLDERS_PER_LOOK folders a look, in turn).
    const runs = Array.from({ length: 6 }, (_, i) => `run-00000000000000000000000000000${10 + i}`);
    for (const runId of runs) mkdirSync(path.join(store.procedures, runId));
    const runCount = (runId: string, named?: string) =>
      cache.get(named ? { runId: named } : {}).procedures.runCount(runId);
    expect(runCount(RUN)).toBe(1);
    const addLater = (runId: string) => {
      const later = path.join(store.procedures, runId, "added-later.json");
      writeFileSync(
        later,
        JSON.stringify({
          ...edited,
          procedure_id: `${edited.procedure_id}.${runId}`,
          scope: "run",
          source_run_id: runId,
          title: runId,
        }),
      );
      return later;
    };
    addLater(RUN);
    expect(runCount(RUN, RUN)).toBe(2);
    const later = addLater(runs[3] as string);
    const folders = runs.length + 1;
    const looks = Math.ceil(folders / RUN_FOLDERS_PER_LOOK);
    const seenAfter = Array.from({ length: looks }, () => runCount(runs[3] as string));
    expect(seenAfter[0]).toBe(0);
    expect(seenAfter.at(-1)).toBe(1);
    rmSync(later);
    const goneAfter = Array.from({ length: looks }, () => runCount(runs[3] as string));
    expect(goneAfter.at(-1)).toBe(0);
  });

  it("takes its process's own writes in as they are made, without listing their folder again", () => {
    const { paths, store, clock, cache, id } = flushedStore();
    pause(60);
    expect(cache.get({ runId: RUN }).procedures.stale).toBe(1);
    // Another process writes a record the moment before the engine's own write (between its look
    // and its write): the note adopts the folder's new times, so that record waits for the full check.
    const records = readdirJson(store.lifecycle);
    const first = JSON.parse(readFileSync(path.join(store.lifecycle, records[0] as string), "utf8"));
    const record = (itemId: string, seq: string, state: string) => ({
      ...first,
      record_id: `lc.procedure.${itemId}.${seq}`,
      procedure_id: itemId,
      state,
      changed_at: `2026-04-28T13:00:${seq.slice(2)}Z`,
    });
    const other = "proc.workspace.other";
    writeJson(
      path.join(store.lifecycle, `lc.procedure.${other}.0001.json`),
      record(other, "0001", "candidate"),
    );
    const own = path.join(store.lifecycle, `lc.procedure.${id}.0041.json`);
    writeJson(own, record(id, "0041", "promoted"));
    cache.note(own);
    const view = cache.get();
    expect(view.procedures.eligible().map((item) => item.id)).toEqual([id]);
    expect(view.hasLifecycle("procedure", other)).toBe(false);
    // A later change by another process moves the folder's times again: the next look lists the
    // folder and sees both.
    pause(60);
    writeJson(path.join(store.lifecycle, `lc.procedure.${id}.0042.json`), record(id, "0042", "deprecated"));
    expect(cache.get().procedures.deprecated).toBe(1);
    expect(cache.get().hasLifecycle("procedure", other)).toBe(true);
    // A new run's first candidate (its write creates the run's folder in the top folder): taken in
    // at once, and the top folder is not listed for it, so a workspace file another process wrote
    // into the top folder the moment before waits for the full check.
    pause(60);
    const stale = cache.get().procedures.stale;
    const copy = JSON.parse(readFileSync(path.join(store.procedures, `${id}.json`), "utf8"));
    writeJson(path.join(store.procedures, "proc.workspace.elsewhere.json"), {
      ...copy,
      procedure_id: "proc.workspace.elsewhere",
    });
    recordRunCandidate(paths, candidateOf(OTHER_RUN, "builder"), { written: (file) => cache.note(file) });
    expect(cache.get().procedures.runCount(OTHER_RUN)).toBe(1);
    expect(cache.get().procedures.runItems(OTHER_RUN)).toHaveLength(1);
    expect(cache.get().procedures.stale).toBe(stale);
    clock.now += FULL_CHECK_MS;
    expect(cache.get().procedures.stale).toBe(stale + 1);
    const whole = retrievalView(loadCompoundingSnapshot(paths));
    expect(seen(cache.get(), [RUN, OTHER_RUN])).toEqual(seen(whole, [RUN, OTHER_RUN]));
    // A file outside the store's folders, or not yet listed, is ignored.
    cache.note(path.join(paths.root, "elsewhere.json"));
    cache.note(path.join(store.procedures, "run-never-listed", "x.json"));
    expect(seen(cache.get(), [RUN])).toEqual(seen(whole, [RUN]));
  });

  it("holds only promoted items' text: an item is read from its file when it is promoted, and one that no longer loads is passed over until read again", () => {
    const { paths, store, clock, cache, id } = flushedStore();
    expect(cache.get().procedures.stale).toBe(1);
    // Replaced under its name while the cache has it pending review (seen only at the full check).
    const file = path.join(store.procedures, `${id}.json`);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...stored, title: "Retitled before promotion" }));
    renameSync(`${file}.tmp`, file);
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
    // The text is the file's as the promotion finds it, not the one first read.
    expect(
      cache
        .get()
        .procedures.eligible()
        .map((item) => item.title),
    ).toEqual(["Retitled before promotion"]);
    // Deprecated, then broken in place, then promoted again: it no longer loads, so it is not offered.
    deprecateItem(paths, { kind: "procedure", id, issuer: "cli", reason: "old", now: NOW });
    expect(cache.get().procedures.deprecated).toBe(1);
    writeFileSync(`${file}.tmp`, "{ broken");
    renameSync(`${file}.tmp`, file);
    // Promoted again by another process's record (the CLI refuses an item that does not load).
    const last = readdirJson(store.lifecycle).at(-1) as string;
    const record = JSON.parse(readFileSync(path.join(store.lifecycle, last), "utf8"));
    const again = `lc.procedure.${id}.0009`;
    writeJson(path.join(store.lifecycle, `${again}.json`), {
      ...record,
      record_id: again,
      state: "promoted",
      changed_at: "2026-04-28T13:00:00Z",
    });
    const view = cache.get();
    expect(view.procedures.eligible()).toEqual([]);
    expect(view.procedures.stale).toBe(1);
    // The full check reads the file again: a whole read has no such item either.
    clock.now += FULL_CHECK_MS;
    const whole = retrievalView(loadCompoundingSnapshot(paths));
    expect(cache.get().procedures.stale).toBe(whole.procedures.stale);
    expect(cache.get().procedures.stale).toBe(0);
  });
});

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readdirJson(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort();
}

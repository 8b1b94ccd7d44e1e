import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  extractRunCandidate,
  FULL_CHECK_MS,
  flushRunCandidates,
  loadCompoundingSnapshot,
  openSnapshotCache,
  promoteItem,
  RUN_FOLDERS_PER_LOOK,
  recordRunCandidate,
  selectPromptContext,
} from "../src/index.js";
import { completion, OTHER_RUN, RUN, requestId, tempWorkspace, write } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

describe("openSnapshotCache", () => {
  it("reuses the snapshot until a store folder changes, then reloads", () => {
    const paths = tempWorkspace();
    const cache = openSnapshotCache(paths);
    const empty = cache.get();
    expect(cache.get()).toBe(empty);
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    const withRun = cache.get();
    expect(withRun).not.toBe(empty);
    expect(withRun.procedures).toHaveLength(1);
    expect(cache.get()).toBe(withRun);
    flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    const id = candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
    expect(selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).blocks).toEqual([]);
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
    expect(
      selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).selection.procedures
        .selected_ids,
    ).toEqual([id]);
  });

  it("gives what a whole read gives, through candidates, flushes, promotions, bad and removed files", () => {
    const paths = tempWorkspace();
    const store = compoundingPaths(paths);
    const cache = openSnapshotCache(paths);
    // As the engine asks: naming the run it is working on.
    const same = (runId?: string) => {
      const cached = cache.get(runId ? { runId } : {});
      const whole = loadCompoundingSnapshot(paths);
      expect(cached.procedures).toEqual(whole.procedures);
      expect(cached.facts).toEqual(whole.facts);
      expect(cached.lifecycle).toEqual(whole.lifecycle);
      expect(cached.problems).toEqual(whole.problems);
      // And selects the same (the view's items and lifecycle fold are reused across snapshots).
      for (const stage of ["builder", "checker"] as const) {
        const request = { runId: runId ?? OTHER_RUN, stage, includeRunCandidates: true };
        expect(selectPromptContext(cached, request)).toEqual(selectPromptContext(whole, request));
      }
    };
    same();
    const runs = [RUN, OTHER_RUN, "run-0000000000000000000000000000000c"];
    for (const [index, runId] of runs.entries()) {
      for (const stage of ["builder", "checker"] as const) {
        const candidate = extractRunCandidate(
          completion({
            runId,
            requestId: requestId(),
            stage,
            terminalResult: stage === "builder" ? "BUILDER_COMPLETE" : "CHECKER_PASS",
            finalMessage:
              completion().finalMessage?.replace(
                "BUILDER_COMPLETE",
                stage === "builder" ? "BUILDER_COMPLETE" : "CHECKER_PASS",
              ) ?? null,
          }),
        );
        if (candidate) recordRunCandidate(paths, candidate);
        same(runId);
      }
      flushRunCandidates(paths, {
        runId,
        milestone: "run_closeout",
        now: NOW,
        snapshot: cache.get({ runId }),
      });
      same(runId);
      if (index === 0) {
        const id = cache.get().procedures.find((entry) => entry.value.scope === "workspace")
          ?.value.procedure_id;
        if (!id) throw new Error("nothing flushed");
        promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
        same();
      }
    }
    // A file that is not valid JSON, one with a bad shape, a hidden one, then one removed.
    write(path.join(store.procedures, "proc.workspace.broken.json"), "{ not json");
    write(path.join(store.lifecycle, "bad-shape.json"), JSON.stringify({ kind: "nope" }));
    write(path.join(store.procedures, ".hidden.json"), "{}");
    same();
    rmSync(path.join(store.procedures, "proc.workspace.broken.json"));
    same();
    rmSync(path.join(store.procedures, OTHER_RUN), { recursive: true });
    same();
  });

  it("reads only new names between full checks: a file replaced in place is seen at the next one; older run folders are checked in turn", () => {
    const paths = tempWorkspace();
    const store = compoundingPaths(paths);
    let now = 1_000_000;
    const cache = openSnapshotCache(paths, { now: () => now });
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    const workspaceTitles = () =>
      cache
        .get()
        .procedures.filter((entry) => entry.value.scope === "workspace")
        .map((entry) => entry.value.title);
    expect(workspaceTitles()).toEqual([candidate.procedure.title]);
    // Another process replaces the workspace copy under its own name (a rename, so the folder times move).
    const file = path.join(
      store.procedures,
      `${candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.")}.json`,
    );
    const edited = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...edited, title: "Edited elsewhere" }));
    renameSync(`${file}.tmp`, file);
    expect(workspaceTitles()).toEqual([candidate.procedure.title]);
    now += FULL_CHECK_MS;
    expect(workspaceTitles()).toEqual(["Edited elsewhere"]);
    // A file added to an older run's folder (only that folder's times move): seen when the run is
    // named, or when that folder's turn comes (RUN_FOLDERS_PER_LOOK folders a look, in turn).
    const runs = Array.from({ length: 6 }, (_, i) => `run-00000000000000000000000000000${10 + i}`);
    for (const runId of runs) mkdirSync(path.join(store.procedures, runId));
    const titles = (runId?: string) =>
      cache
        .get(runId ? { runId } : {})
        .procedures.filter((entry) => entry.value.title !== candidate.procedure.title)
        .map((entry) => entry.value.title)
        .sort();
    expect(titles()).toEqual(["Edited elsewhere"]);
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
    expect(titles(RUN)).toEqual(["Edited elsewhere", RUN]);
    const later = addLater(runs[3] as string);
    const folders = runs.length + 1;
    const looks = Math.ceil(folders / RUN_FOLDERS_PER_LOOK);
    const seenAfter = Array.from({ length: looks }, () => titles().includes(runs[3] as string));
    expect(seenAfter.at(-1)).toBe(true);
    expect(seenAfter[0]).toBe(false);
    rmSync(later);
    const goneAfter = Array.from({ length: looks }, () => titles().includes(runs[3] as string));
    expect(goneAfter.at(-1)).toBe(false);
  });
});

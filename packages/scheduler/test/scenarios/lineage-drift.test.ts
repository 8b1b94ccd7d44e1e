import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ClosureTargetState, LineageDriftDiagnostic, TaskDocument } from "@millrace/contracts";
import { MillraceError } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { acquireLock } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { repairLineage } from "../../src/index.js";
import { runUntilIdle, type TestWorkspace, task } from "../fixtures.js";
import { eventsOfType, locate, readJson, scenarioWorkspace, seedRootSpec } from "./helpers.js";

const ROOT_SPEC = "spec-root";
const ROOT_IDEA = "idea-root";
const marker = (token: string) => ({ type: "marker" as const, token });

/** A blocked task of the same root idea that names another root spec: the drift the scan finds. */
function seedDriftedBlockedTask(ws: TestWorkspace, id: string): void {
  const store = openQueueStore(ws.paths);
  try {
    store.enqueue(
      "task",
      task(id, { root_spec_id: "spec-stray", root_idea_id: ROOT_IDEA, spec_id: "spec-stray" }) as never,
    );
    store.activate("task", id);
    store.block("task", id);
  } finally {
    store.close();
  }
}

function readTarget(ws: TestWorkspace): ClosureTargetState {
  return readJson<ClosureTargetState>(path.join(ws.paths.arbiterTargets, `${ROOT_SPEC}.json`));
}

function readTask(ws: TestWorkspace, id: string): TaskDocument {
  const store = openQueueStore(ws.paths);
  try {
    return store.readDocument(store.locate(id, "task")) as TaskDocument;
  } finally {
    store.close();
  }
}

function driftedWorkspace(): TestWorkspace {
  const ws = scenarioWorkspace({
    rules: [
      { stage: "manager", actions: [marker("MANAGER_COMPLETE")] },
      {
        stage: "arbiter",
        actions: [
          { type: "write_file", base: "run_dir", path: "arbiter_report.md", template: "# Arbiter report\n" },
          {
            type: "write_file",
            base: "runtime",
            path: `arbiter/verdicts/${ROOT_SPEC}.json`,
            template: `{"root_spec_id":"${ROOT_SPEC}","verdict":"ARBITER_COMPLETE","run_id":"{{run_id}}"}\n`,
          },
          marker("ARBITER_COMPLETE"),
        ],
      },
    ],
  });
  seedRootSpec(ws, ROOT_SPEC, ROOT_IDEA);
  seedDriftedBlockedTask(ws, "task-stray");
  return ws;
}

describe("closure and lineage drift", () => {
  it("blocks closure on drift with a diagnostic, once; repair-lineage previews, applies, and closure then proceeds", async () => {
    const ws = driftedWorkspace();
    await runUntilIdle(ws, {}, 200);
    expect(eventsOfType(ws, "stage_started").some((event) => event.data.stage === "arbiter")).toBe(false);
    expect(readTarget(ws)).toMatchObject({
      closure_open: true,
      closure_blocked_by_lineage_work: true,
      blocking_work_ids: ["task-stray"],
    });
    const detected = eventsOfType(ws, "closure_lineage_drift_detected");
    expect(detected).toHaveLength(1);
    expect(detected[0]?.data).toMatchObject({ root_spec_id: ROOT_SPEC, finding_count: 1 });
    const diagnostic = readJson<LineageDriftDiagnostic>(
      path.join(ws.root, String(detected[0]?.data.diagnostic_path)),
    );
    expect(diagnostic.findings.map((f) => [f.work_item_id, f.state, f.diagnostic_reason])).toEqual([
      ["task-stray", "blocked", "same_root_idea_different_root_spec"],
    ]);
    expect(diagnostic.recommended_command).toBe(`millrace queue repair-lineage --root-spec-id ${ROOT_SPEC}`);
    expect(eventsOfType(ws, "completion_behavior_blocked").map((event) => event.data.reason)).toEqual([
      "closure_lineage_drift",
    ]);

    // A second idle run finds the same drift and says nothing new.
    await runUntilIdle(ws, {}, 50);
    expect(eventsOfType(ws, "closure_lineage_drift_detected")).toHaveLength(1);

    const preview = repairLineage(ws.root, { rootSpecId: ROOT_SPEC, now: new Date("2026-12-06T10:00:00Z") });
    expect(preview.applied).toBe(false);
    expect(preview.changes).toHaveLength(1);
    expect(existsSync(path.join(ws.root, preview.report_path))).toBe(true);
    expect(readTask(ws, "task-stray").root_spec_id).toBe("spec-stray");
    expect(eventsOfType(ws, "closure_lineage_repaired")).toHaveLength(0);

    const applied = repairLineage(ws.root, { rootSpecId: ROOT_SPEC, apply: true, issuer: "ops-agent" });
    expect(applied).toMatchObject({ applied: true, issuer: "ops-agent" });
    expect(applied.report_path).not.toBe(preview.report_path);
    const report = JSON.parse(readFileSync(path.join(ws.root, applied.report_path), "utf8"));
    expect(report.changes[0]).toMatchObject({
      work_item_id: "task-stray",
      root_spec_id: { from: "spec-stray", to: ROOT_SPEC },
      spec_id: { from: "spec-stray", to: ROOT_SPEC },
    });
    expect(readTask(ws, "task-stray")).toMatchObject({ root_spec_id: ROOT_SPEC, spec_id: ROOT_SPEC });
    expect(eventsOfType(ws, "closure_lineage_repaired")[0]?.data).toMatchObject({
      root_spec_id: ROOT_SPEC,
      changed_count: 1,
      skipped_count: 0,
      issuer: "ops-agent",
    });

    // Repaired, the blocked task is the lineage's own open work; once it is retried and done, the Arbiter closes.
    const store = openQueueStore(ws.paths);
    store.requeue("task", "task-stray", "operator retry after lineage repair", { from: "blocked" });
    store.close();
    await runUntilIdle(ws, {}, 200);
    expect(locate(ws, "task-stray")).toEqual(["task/done"]);
    expect(readTarget(ws)).toMatchObject({ closure_open: false });
  });

  it("apply is refused while a daemon owns the workspace, and for an unknown target; nothing is rewritten", async () => {
    const ws = driftedWorkspace();
    await runUntilIdle(ws, {}, 200);
    const held = acquireLock(ws.paths);
    try {
      const refused = (() => {
        try {
          repairLineage(ws.root, { rootSpecId: ROOT_SPEC, apply: true });
        } catch (error) {
          return error as MillraceError;
        }
        throw new Error("expected a refusal");
      })();
      expect(refused).toBeInstanceOf(MillraceError);
      expect(refused.code).toBe("control_refused");
      expect(refused.hint).toMatch(/millrace stop/);
    } finally {
      held.release();
    }
    expect(readTask(ws, "task-stray").root_spec_id).toBe("spec-stray");
    expect(() => repairLineage(ws.root, { rootSpecId: "spec-nope" })).toThrow(
      expect.objectContaining({ code: "not_found" }),
    );
  });
});

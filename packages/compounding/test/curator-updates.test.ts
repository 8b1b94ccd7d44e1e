import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyDeferredCuratorUpdates, recordCuratorUpdate } from "../src/index.js";
import { tempWorkspace, write } from "./helpers.js";

const input = {
  runId: "run-c1",
  learningRequestId: "lr-1",
  stageResultPath: "millrace-agents/runs/run-c1/stage_results/r.json",
  artifactPaths: ["millrace-agents/runs/run-c1/notes.md", "millrace-agents/runs/run-c1/skill_update.md"],
};

describe("Curator skill-update records", () => {
  it("defers while foreground work runs, applies later, and is replay-safe", () => {
    const paths = tempWorkspace();
    const record = recordCuratorUpdate(paths, {
      ...input,
      defer: true,
      now: new Date("2026-05-01T10:00:00Z"),
    });
    expect(record).toMatchObject({
      status: "deferred",
      applied_at: null,
      artifact_paths: [input.artifactPaths[1]],
    });
    expect(recordCuratorUpdate(paths, { ...input, defer: false })).toBeNull();
    const applied = applyDeferredCuratorUpdates(paths, { now: new Date("2026-05-01T11:00:00Z") });
    expect(applied.map((r) => r.learning_request_id)).toEqual(["lr-1"]);
    expect(readdirSync(path.join(paths.updateCandidates, "applied"))).toEqual(["run-c1-lr-1.json"]);
    expect(existsSync(path.join(paths.updateCandidates, "deferred", "run-c1-lr-1.json"))).toBe(false);
    expect(applyDeferredCuratorUpdates(paths)).toEqual([]);
  });

  it("records nothing without a skill update, and leaves an unreadable deferred record alone", () => {
    const paths = tempWorkspace();
    expect(recordCuratorUpdate(paths, { ...input, artifactPaths: ["notes.md"], defer: false })).toBeNull();
    const broken = path.join(paths.updateCandidates, "deferred", "run-x-lr-x.json");
    write(broken, "{ not json");
    expect(applyDeferredCuratorUpdates(paths)).toEqual([]);
    expect(existsSync(broken)).toBe(true);
  });
});

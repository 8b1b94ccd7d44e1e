import { describe, expect, it } from "vitest";
import { runUntilIdle } from "./fixtures.js";
import { eventsOfType, idsIn, readSnapshot, scenarioWorkspace, seedRootSpec } from "./scenarios/helpers.js";

const SCRIPTED_STAGES = [
  "recon",
  "planner",
  "manager_blueprint",
  "contractor_blueprint",
  "evaluator_blueprint",
  "mechanic_blueprint",
  "auditor",
  "arbiter",
  "builder",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
];

describe("blueprint planning", () => {
  it("blocks the item visibly when a blueprint effect is reached, instead of completing it with no work", async () => {
    const stages = SCRIPTED_STAGES.map((stage) => `[stages.${stage}]\nrunner = "scripted"\n`).join("\n");
    const ws = scenarioWorkspace({ rules: [] }, stages);
    seedRootSpec(ws, "spec-blue", "idea-blue");
    const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 50);
    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "spec", "blocked")).toEqual(["spec-blue"]);
    expect(idsIn(ws, "task", "queue")).toEqual([]);
    const events = eventsOfType(ws, "blueprint_effect_unsupported");
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({
      terminal_action_id: "complete_source_after_effect",
      work_item_id: "spec-blue",
    });
    expect(readSnapshot(ws).current_failure_class).toBe("blueprint_effect_unsupported");
  });
});

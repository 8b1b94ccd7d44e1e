import {
  configApplyBoundary,
  LivenessConfigSchema,
  MillraceConfigSchema,
  structuralConfigView,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { classifyStage, type StageEvidence } from "../../src/liveness/classify.js";
import { type CompletionRecord, completionsFromEvents } from "../../src/liveness/history.js";
import { livenessThresholds } from "../../src/liveness/thresholds.js";

const NOW = 1_000_000;
const thresholds = livenessThresholds(
  LivenessConfigSchema.parse({
    quiet_after_seconds: 10,
    hang_after_seconds: 30,
    loop_repeats: 3,
    retry_storm_failures: 3,
    retry_storm_window_seconds: 60,
  }),
  600,
);

function evidence(extra: Partial<StageEvidence> = {}): StageEvidence {
  return {
    ownerAlive: true,
    process: "running",
    startedAt: NOW - 100_000,
    lastOutputAt: NOW - 1_000,
    workItemId: "task-a",
    ...extra,
  };
}

function result(
  stage: string,
  terminalResult: string,
  extra: Partial<CompletionRecord> = {},
): CompletionRecord {
  return { workItemId: "task-a", stage, terminalResult, failureClass: null, at: NOW - 5_000, ...extra };
}

describe("classifyStage (pure)", () => {
  it("progressing while output keeps coming; quiet, then hung, as the silence grows", () => {
    expect(classifyStage(evidence(), [], thresholds, NOW)).toEqual({
      grade: "progressing",
      reason: "last output 1s ago",
      silentSeconds: 1,
    });
    expect(classifyStage(evidence({ lastOutputAt: NOW - 10_000 }), [], thresholds, NOW)).toMatchObject({
      grade: "quiet",
      reason: "no output for 10s (quiet threshold 10s)",
    });
    expect(classifyStage(evidence({ lastOutputAt: NOW - 45_000 }), [], thresholds, NOW)).toMatchObject({
      grade: "hung",
      reason: "no output for 45s (hang threshold 30s)",
      silentSeconds: 45,
    });
  });

  it("silence counts from the start when the stage wrote nothing yet", () => {
    const verdict = classifyStage(
      evidence({ lastOutputAt: null, startedAt: NOW - 2_000 }),
      [],
      thresholds,
      NOW,
    );
    expect(verdict).toMatchObject({ grade: "progressing", reason: "started; no output yet" });
    expect(classifyStage(evidence({ lastOutputAt: null }), [], thresholds, NOW).grade).toBe("hung");
  });

  it("an agent that has exited is being collected, not quiet or hung", () => {
    const silent = evidence({ process: "exited", lastOutputAt: NOW - 500_000 });
    expect(classifyStage(silent, [], thresholds, NOW).grade).toBe("progressing");
    // An in-process runner has no process: the stage is as alive as the engine.
    expect(classifyStage({ ...silent, process: "none" }, [], thresholds, NOW).grade).toBe("hung");
  });

  it("orphaned wins over everything when the owner is dead, and says whether the agent survived", () => {
    const verdict = classifyStage(
      evidence({ ownerAlive: false, ownerDetail: "the daemon (pid 7) is gone", lastOutputAt: NOW - 500_000 }),
      [],
      thresholds,
      NOW,
    );
    expect(verdict).toMatchObject({
      grade: "orphaned",
      reason: "the daemon (pid 7) is gone; its agent process is still running",
    });
  });

  it("looping: the item's stage returned the same result K times in a row", () => {
    const history = [result("builder", "BLOCKED"), result("troubleshooter", "TROUBLESHOOT_COMPLETE")];
    history.push(result("builder", "BLOCKED"));
    expect(classifyStage(evidence(), history, thresholds, NOW).grade).toBe("progressing");
    history.push(result("builder", "BLOCKED"));
    expect(classifyStage(evidence(), history, thresholds, NOW)).toMatchObject({
      grade: "looping",
      reason: "builder returned BLOCKED 3 times in a row for task-a",
    });
    // A different result breaks the run; another item's results never count.
    history.push(result("builder", "BUILDER_COMPLETE"));
    expect(classifyStage(evidence(), history, thresholds, NOW).grade).toBe("progressing");
    expect(
      classifyStage(evidence({ workItemId: "task-b" }), history.slice(0, 4), thresholds, NOW).grade,
    ).toBe("progressing");
  });

  it("retry_storm: the item's provider or transport failures within the window", () => {
    const failure = (at: number, failureClass = "provider_failure") =>
      // (Each from another stage, so the looping rule stays out of it.)
      result(`stage-${at}`, "BLOCKED", { failureClass, at: NOW - at });
    const history = [failure(90_000), failure(20_000), failure(10_000, "runner_timeout"), failure(5_000)];
    // Only two transient failures are inside the 60 s window (a timeout is not transient).
    expect(classifyStage(evidence(), history, thresholds, NOW).grade).toBe("progressing");
    history.push(failure(1_000, "runner_transport_failure"));
    expect(classifyStage(evidence(), history, thresholds, NOW)).toMatchObject({
      grade: "retry_storm",
      reason: "3 provider or transport failures of this item in the last 60s (threshold 3)",
    });
    // Hung is more urgent than a storm.
    expect(classifyStage(evidence({ lastOutputAt: NOW - 40_000 }), history, thresholds, NOW).grade).toBe(
      "hung",
    );
  });
});

describe("livenessThresholds", () => {
  it("hang_after_seconds defaults to half the stage timeout, never below quiet_after_seconds", () => {
    const config = LivenessConfigSchema.parse({ quiet_after_seconds: 100 });
    expect(livenessThresholds(config, 600).hangAfterSeconds).toBe(300);
    expect(livenessThresholds(config, 120).hangAfterSeconds).toBe(100);
    expect(livenessThresholds(config, null).hangAfterSeconds).toBe(1800);
    expect(
      livenessThresholds(LivenessConfigSchema.parse({ hang_after_seconds: 200 }), 600).hangAfterSeconds,
    ).toBe(200);
  });

  it("every [liveness] key is a next-tick key: an edit never makes the plan stale", () => {
    for (const key of Object.keys(LivenessConfigSchema.parse({}))) {
      expect(configApplyBoundary(`liveness.${key}`)).toBe("next_tick");
    }
    const edited = MillraceConfigSchema.parse({
      liveness: { quiet_after_seconds: 5, responses: { hung: "pause_item" } },
    });
    expect(structuralConfigView(edited)).toEqual(structuralConfigView(MillraceConfigSchema.parse({})));
  });
});

describe("completionsFromEvents", () => {
  const event = (event_type: string, data: Record<string, unknown>, second: number) => ({
    schema_version: "1.0" as const,
    kind: "runtime_event" as const,
    event_type,
    occurred_at: `2026-04-28T10:00:0${second}+00:00`,
    data,
  });
  const completed = (request: string, item: string, second: number) =>
    event(
      "stage_completed",
      {
        request_id: request,
        stage: "builder",
        terminal_result: "BLOCKED",
        work_item_id: item,
        failure_class: null,
      },
      second,
    );

  it("reads each request once and starts an item's count afresh after a liveness stop", () => {
    const records = completionsFromEvents([
      completed("r1", "task-a", 1),
      completed("r1", "task-a", 1),
      completed("r2", "task-b", 2),
      event("liveness_changed", { work_item_id: "task-a", response: "pause_item" }, 3),
      completed("r3", "task-a", 4),
      event("liveness_changed", { work_item_id: "task-b", response: "note" }, 5),
    ] as never);
    expect(records.map((record) => [record.workItemId, record.at])).toEqual([
      ["task-b", Date.parse("2026-04-28T10:00:02Z")],
      ["task-a", Date.parse("2026-04-28T10:00:04Z")],
    ]);
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type MailboxArchive, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { applyControlDirect, type MonitorEvent, writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, type TestWorkspace, testEngine } from "../fixtures.js";
import { eventsOfType, idsIn, readJson } from "../scenarios/helpers.js";
import { git, laneLeftovers, laneWorkspace } from "./lane-fixture.js";

/**
 * Two lanes. A task's first builder writes a draft in its worktree and hangs (until stopped);
 * `hanging` lists the tasks that do. Every other builder sleeps, writes the task's file and completes.
 */
function retryWorkspace(hanging: readonly string[]) {
  const ws = laneWorkspace(
    {
      rules: [
        ...hanging.map((id) => ({
          stage: "builder",
          work_item_id: id,
          attempt: 1,
          actions: [
            {
              type: "write_file" as const,
              base: "workspace" as const,
              path: "{{work_item_id}}-draft.txt",
              template: "draft\n",
              overwrite: true,
            },
            { type: "hang" as const },
          ],
        })),
        {
          stage: "builder",
          actions: [
            { type: "sleep", ms: 600 },
            {
              type: "write_file",
              base: "workspace",
              path: "{{work_item_id}}.txt",
              template: "built\n",
              overwrite: true,
            },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    },
    'lanes = 2\nlanding = "merge_commit"',
  );
  enqueueTask(ws, "task-a", { target_paths: ["task-a.txt", "task-a-draft.txt"] });
  enqueueTask(ws, "task-b", { target_paths: ["task-b.txt", "task-b-draft.txt"] });
  return ws;
}

const laneJournal = (ws: TestWorkspace) =>
  JSON.parse(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8")) as {
    lanes: Array<{ lane: number; item_id: string; retry: unknown }>;
  };

const builderStarts = (ws: TestWorkspace, id: string) =>
  eventsOfType(ws, "stage_started").filter(
    (event) => event.data.work_item_id === id && event.data.stage === "builder",
  ).length;

function processed(ws: TestWorkspace): MailboxArchive[] {
  return readdirSync(ws.paths.mailboxProcessed)
    .filter((name) => name.endsWith(".json"))
    .map((name) => readJson<MailboxArchive>(path.join(ws.paths.mailboxProcessed, name)));
}

/** Issues `payload` as a retry_active mailbox command once every task in `waitFor` has a stage out. */
function retryWhenStarted(ws: TestWorkspace, waitFor: readonly string[], payload: Record<string, unknown>) {
  const started = new Set<string>();
  let issued = false;
  return (event: MonitorEvent) => {
    if (event.type !== "stage_started" || !event.workItemId) return;
    started.add(event.workItemId);
    if (!issued && waitFor.every((id) => started.has(id))) {
      issued = true;
      writeMailboxCommand(ws.paths, "retry_active", payload, { issuer: "ops", now: new Date() });
    }
  };
}

/** The set-aside result of a stopped stage: `<request>.json.interrupted` in the item's first run. */
function interruptedResults(ws: TestWorkspace, id: string): string[] {
  const [started] = eventsOfType(ws, "stage_started").filter((event) => event.data.work_item_id === id);
  const dir = path.join(ws.paths.runs, String(started?.data.run_id), "stage_results");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".interrupted")) : [];
}

describe("retry-active reaches the items in execution lanes", () => {
  it("a daemon stops the named item's stage, requeues it, and it starts over in its kept worktree", async () => {
    const ws = retryWorkspace(["task-a"]);
    const { engine } = testEngine(ws, {
      monitor: retryWhenStarted(ws, ["task-a", "task-b"], { item: "task-a", reason: "wrong approach" }),
    });
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    const [applied] = eventsOfType(ws, "retry_active_applied");
    expect(applied?.data).toEqual({
      plane: "execution",
      work_item_kind: "task",
      work_item_id: "task-a",
      reason: "wrong approach",
      lane: 1,
    });
    expect(eventsOfType(ws, "retry_active_applied")).toHaveLength(1);
    expect(eventsOfType(ws, "stage_interrupted").map((event) => event.data.node_id)).toEqual(["builder"]);
    expect(interruptedResults(ws, "task-a")).toHaveLength(1);
    // The stopped builder's result is never applied; the other lane is untouched.
    expect(
      eventsOfType(ws, "stage_completed").filter(
        (event) => event.data.work_item_id === "task-a" && event.data.stage === "builder",
      ),
    ).toHaveLength(1);
    expect(builderStarts(ws, "task-a")).toBe(2);
    expect(builderStarts(ws, "task-b")).toBe(1);
    const requeue = eventsOfType(ws, "lane_released").find((event) => event.data.work_item_id === "task-a");
    expect(requeue?.data).toMatchObject({ lane: 1, document_state: "queue" });
    // The worktree was kept: the draft the stopped stage wrote landed with the retried work.
    expect(git(ws.root, "show", "main:task-a-draft.txt")).toBe("draft");
    expect(git(ws.root, "show", "main:task-a.txt")).toBe("built");
    expect(processed(ws).map((archive) => archive.result)).toEqual([
      {
        applied: true,
        detail:
          "retrying task task-a (lane 1): running stages are stopped, then the items are requeued (wrong approach)",
      },
    ]);
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
    expect(laneJournal(ws).lanes).toEqual([]);
  }, 120_000);

  it("with no target, every lane's item is retried (watchers wake the daemon while both stages hang)", async () => {
    const ws = retryWorkspace(["task-a", "task-b"]);
    const { engine } = testEngine(ws, {
      watch: true,
      monitor: retryWhenStarted(ws, ["task-a", "task-b"], { scope: "execution" }),
    });
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    expect(
      eventsOfType(ws, "retry_active_applied")
        .map((event) => [event.data.work_item_id, event.data.lane, event.data.reason])
        .sort(),
    ).toEqual([
      ["task-a", 1, "operator retry-active"],
      ["task-b", 2, "operator retry-active"],
    ]);
    for (const id of ["task-a", "task-b"]) {
      expect(builderStarts(ws, id)).toBe(2);
      expect(interruptedResults(ws, id)).toHaveLength(1);
      expect(git(ws.root, "show", `main:${id}-draft.txt`)).toBe("draft");
    }
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);

  it("without a daemon, the lane's item is requeued at once; bad targets are refused and change nothing", async () => {
    const ws = retryWorkspace(["task-a", "task-b"]);
    const controller = new AbortController();
    let started = 0;
    const first = testEngine(ws, {
      monitor: (event) => {
        if (event.type === "stage_started" && ++started === 2) setTimeout(() => controller.abort(), 50);
      },
    }).engine;
    await first.runDaemon({ signal: controller.signal, maxTicks: 2_000 });
    await first.close();
    const journalBefore = readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8");
    const direct = (payload: Record<string, unknown>) =>
      applyControlDirect(ws.paths, "retry_active", payload, { issuer: "ops", clock: () => new Date() });
    const refusal = (payload: Record<string, unknown>) => {
      try {
        direct(payload);
      } catch (error) {
        if (MillraceError.isInstance(error))
          return { code: error.code, message: error.message, hint: error.hint };
        throw error;
      }
      throw new Error("expected a refusal");
    };

    expect(refusal({ lane: 7 })).toEqual({
      code: "lane_not_found",
      message: "no item is in execution lane 7",
      hint: "Lanes in use: 1 (task-a), 2 (task-b); `millrace status` lists them on its `lane:` lines.",
    });
    expect(refusal({ item: "task-zz" }).message).toBe("task-zz is not in an execution lane");
    expect(refusal({ lane: 1, item: "task-b" }).message).toBe("execution lane 1 holds task-a, not task-b");
    expect(refusal({ lane: 1, scope: "planning" })).toMatchObject({ code: "usage_invalid_argument" });
    expect(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8")).toBe(journalBefore);
    expect(idsIn(ws, "task", "active")).toEqual(["task-a", "task-b"]);

    expect(direct({ lane: 2, reason: "restart b" })).toEqual({
      applied: true,
      detail: "requeued task task-b (lane 2) (restart b)",
    });
    expect(idsIn(ws, "task", "queue")).toEqual(["task-b"]);
    expect(laneJournal(ws).lanes.map((lane) => lane.item_id)).toEqual(["task-a"]);
    expect(eventsOfType(ws, "retry_active_applied").map((event) => event.data)).toEqual([
      { plane: "execution", work_item_kind: "task", work_item_id: "task-b", reason: "restart b", lane: 2 },
    ]);
    // The kept worktree still holds the draft; the next run resumes there.
    expect(laneLeftovers(ws)).toMatchObject({ branches: ["millrace/task-a", "millrace/task-b"] });

    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();
    expect(report.stopReason).toBe("idle");
    // task-a's cut-off builder runs again (attempt 2), task-b starts over: both land, drafts included.
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    expect(git(ws.root, "show", "main:task-b-draft.txt")).toBe("draft");
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);
});

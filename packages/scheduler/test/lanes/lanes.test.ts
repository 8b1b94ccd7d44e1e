import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ScriptFileInput } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, idsIn } from "../scenarios/helpers.js";
import { builderWrites, concurrencyOf, git, laneLeftovers, laneWorkspace } from "./lane-fixture.js";

/** Two lanes that both rewrite `shared.txt`: the second landing conflicts; `merge` runs these actions. */
function conflictWorkspace(mergeActions: NonNullable<ScriptFileInput["rules"]>[number]["actions"]) {
  const ws = laneWorkspace(
    {
      rules: [
        ...(builderWrites("shared.txt", "from {{work_item_id}}\n", 800) ?? []),
        { stage: "merge", actions: mergeActions },
      ],
    },
    'lanes = 2\nlanding = "merge_commit"',
    { "shared.txt": "base\n" },
  );
  enqueueTask(ws, "task-a", { target_paths: ["a/"] });
  enqueueTask(ws, "task-b", { target_paths: ["b/"] });
  return ws;
}

async function runToIdle(ws: Parameters<typeof testEngine>[0]) {
  const { engine, events } = testEngine(ws);
  try {
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    return { report, events };
  } finally {
    await engine.close();
  }
}

describe("execution lanes in git worktrees", () => {
  it("runs 12 independent tasks four at a time, each in its own worktree, and lands every one on main", async () => {
    const ws = laneWorkspace(
      { rules: builderWrites("src/{{work_item_id}}/done.txt", "built {{work_item_id}}\n", 1_500) },
      "lanes = 4",
    );
    const ids = Array.from({ length: 12 }, (_, i) => `task-${String(i + 1).padStart(2, "0")}`);
    for (const id of ids) enqueueTask(ws, id, { target_paths: [`src/${id}/`] });

    const { report, events } = await runToIdle(ws);

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(ids);
    const { max } = concurrencyOf(events);
    expect(max).toBe(4);
    // Every task's file is on main, written in its worktree, not in the workspace by a runner.
    for (const id of ids) {
      expect(git(ws.root, "show", `main:src/${id}/done.txt`)).toBe(`built ${id}`);
    }
    expect(git(ws.root, "status", "--porcelain")).toBe("");
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
    const landed = eventsOfType(ws, "lane_landed").map((event) => event.data.work_item_id);
    expect([...landed].sort()).toEqual(ids);
    // Each stage ran with its lane's worktree as the working directory.
    const started = eventsOfType(ws, "stage_started");
    expect(started.every((event) => typeof event.data.lane === "number")).toBe(true);
    const state = JSON.parse(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8"));
    expect(state.lanes).toEqual([]);
  }, 120_000);

  it("never runs two tasks with overlapping target paths at once, and says which lane one waits for", async () => {
    const ws = laneWorkspace(
      { rules: builderWrites("src/{{work_item_id}}.txt", "{{work_item_id}}\n", 800) },
      "lanes = 3",
    );
    enqueueTask(ws, "task-a", { target_paths: ["src/shared/"] });
    enqueueTask(ws, "task-b", { target_paths: ["src/shared/deep/file.ts"] });
    enqueueTask(ws, "task-c", { target_paths: ["docs/"] });
    const waits: unknown[] = [];
    const { engine, events } = testEngine(ws, {
      monitor: (event) => {
        events.push(event);
        if (event.type === "stage_started") {
          const file = path.join(ws.paths.state, "lane_runs.json");
          if (existsSync(file)) waits.push(...JSON.parse(readFileSync(file, "utf8")).waiting);
        }
      },
    });
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b", "task-c"]);
    const { overlaps } = concurrencyOf(events);
    expect(overlaps.has("task-a+task-b")).toBe(false);
    expect(overlaps.has("task-a+task-c")).toBe(true);
    expect(waits).toContainEqual({
      item_id: "task-b",
      waits_for_lane: 1,
      waits_for_item: "task-a",
      overlaps: ["src/shared/deep/file.ts ~ src/shared/"],
    });
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);

  it("runs a task whose target path is the whole repository alone", async () => {
    const ws = laneWorkspace(
      { rules: builderWrites("{{work_item_id}}.txt", "{{work_item_id}}\n", 500) },
      "lanes = 4",
    );
    enqueueTask(ws, "task-a", { target_paths: ["a/"] });
    enqueueTask(ws, "task-b", { target_paths: ["."] });
    enqueueTask(ws, "task-c", { target_paths: ["c/"] });
    const { report, events } = await runToIdle(ws);
    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b", "task-c"]);
    const { overlaps } = concurrencyOf(events);
    expect([...overlaps].filter((pair) => pair.includes("task-b"))).toEqual([]);
  }, 120_000);

  it("hands a conflicted landing to the merge stage, which blocks: an incident names the file, the worktree stays", async () => {
    const ws = conflictWorkspace([{ type: "marker", token: "BLOCKED" }]);
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    const started = eventsOfType(ws, "lane_merge_started");
    expect(started).toHaveLength(1);
    expect(started[0]?.data).toMatchObject({ files: ["shared.txt"], round: 1 });
    const conflicts = eventsOfType(ws, "lane_merge_conflict");
    expect(conflicts).toHaveLength(1);
    const loser = conflicts[0]?.data.work_item_id as string;
    expect(started[0]?.data.work_item_id).toBe(loser);
    const winner = loser === "task-a" ? "task-b" : "task-a";
    expect(conflicts[0]?.data.files).toEqual(["shared.txt"]);
    expect(idsIn(ws, "task", "blocked")).toEqual([loser]);
    expect(idsIn(ws, "task", "done")).toEqual([winner]);
    expect(git(ws.root, "show", "main:shared.txt")).toBe(`from ${winner}`);
    // One merge commit for the winner; the loser's branch and worktree stay for whoever resolves it.
    expect(git(ws.root, "log", "--merges", "--format=%s", "main")).toBe(
      `millrace: land ${winner} (lane ${winner === "task-a" ? 1 : 2})`,
    );
    expect(laneLeftovers(ws)).toMatchObject({ branches: [`millrace/${loser}`], extraWorktrees: 1 });
    const incidentId = conflicts[0]?.data.incident_id as string;
    const incidentFile = [
      ...["queue", "active", "done", "blocked"].map((state) =>
        path.join(ws.paths.queues.incident[state as "queue"], `${incidentId}.md`),
      ),
    ].find((file) => existsSync(file));
    expect(incidentFile).toBeDefined();
    expect(readFileSync(incidentFile as string, "utf8")).toContain("shared.txt");
  }, 120_000);

  it("a real merge conflict goes to the merge stage in the lane's worktree and lands after it", async () => {
    const ws = conflictWorkspace([
      {
        type: "write_file",
        base: "workspace",
        path: "shared.txt",
        template: "from task-a\nfrom task-b\n",
        overwrite: true,
      },
      { type: "marker", token: "MERGE_COMPLETE" },
    ]);
    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    expect(eventsOfType(ws, "lane_merge_conflict")).toEqual([]);
    const started = eventsOfType(ws, "lane_merge_started");
    expect(started).toHaveLength(1);
    const merged = started[0]?.data.work_item_id as string;
    // The merge stage ran once, in the loser's lane, on its own run; then the lane landed.
    const stages = eventsOfType(ws, "stage_started").filter((event) => event.data.stage === "merge");
    expect(stages.map((event) => event.data.work_item_id)).toEqual([merged]);
    expect(stages[0]?.data.run_id).toBe(started[0]?.data.run_id);
    const conflictFile = path.join(ws.paths.runs, started[0]?.data.run_id as string, "merge_conflict.json");
    expect(JSON.parse(readFileSync(conflictFile, "utf8"))).toMatchObject({ files: ["shared.txt"], round: 1 });
    expect(
      eventsOfType(ws, "lane_landed")
        .map((event) => event.data.work_item_id)
        .sort(),
    ).toEqual(["task-a", "task-b"]);
    expect(git(ws.root, "show", "main:shared.txt")).toBe("from task-a\nfrom task-b");
    // The stage left the resolved file uncommitted: the runtime concluded the merge (a merge
    // commit of main into the lane's branch), then landed the branch.
    expect(git(ws.root, "log", "--merges", "--format=%s", "main").split("\n").sort()).toEqual([
      "millrace: land task-a (lane 1)",
      "millrace: land task-b (lane 2)",
      `millrace: merge of main into millrace/${merged} concluded`,
    ]);
    expect(git(ws.root, "status", "--porcelain")).toBe("");
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);

  it("blocks a lane whose merge stage reports success but leaves conflict markers", async () => {
    const ws = conflictWorkspace([{ type: "marker", token: "MERGE_COMPLETE" }]);
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    const conflicts = eventsOfType(ws, "lane_merge_conflict");
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.data.reason).toBe("the merge stage left conflict markers");
    expect(conflicts[0]?.data.files).toEqual(["shared.txt"]);
    const loser = conflicts[0]?.data.work_item_id as string;
    expect(idsIn(ws, "task", "blocked")).toEqual([loser]);
    // Nothing of the unresolved merge reached main.
    expect(git(ws.root, "show", "main:shared.txt")).not.toContain("<<<<<<<");
    expect(laneLeftovers(ws)).toMatchObject({ branches: [`millrace/${loser}`], extraWorktrees: 1 });
  }, 120_000);

  it("an interrupted daemon sets the lanes' cut-off results aside and the next start runs those stages again", async () => {
    const ws = laneWorkspace(
      { rules: builderWrites("src/{{work_item_id}}.txt", "{{work_item_id}}\n", 1_500) },
      "lanes = 2",
    );
    enqueueTask(ws, "task-a", { target_paths: ["src/task-a.txt"] });
    enqueueTask(ws, "task-b", { target_paths: ["src/task-b.txt"] });
    const controller = new AbortController();
    let started = 0;
    const first = testEngine(ws, {
      monitor: (event) => {
        if (event.type === "stage_started" && ++started === 2) setTimeout(() => controller.abort(), 100);
      },
    }).engine;
    const report = await first.runDaemon({ signal: controller.signal, maxTicks: 2_000 });
    await first.close();
    expect(report.stopReason).toBe("interrupted");
    expect(eventsOfType(ws, "stage_interrupted")).toHaveLength(2);
    const journal = JSON.parse(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8"));
    expect(journal.lanes.map((lane: { inflight: unknown }) => lane.inflight)).toEqual([null, null]);

    const { report: second } = await runToIdle(ws);
    expect(second.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    // Each builder ran twice (the cut-off run, then the real one); each task landed once.
    expect(
      eventsOfType(ws, "lane_landed")
        .map((event) => event.data.work_item_id)
        .sort(),
    ).toEqual(["task-a", "task-b"]);
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);
});

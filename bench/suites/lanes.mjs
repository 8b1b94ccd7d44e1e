// Execution lanes in the engine (docs/lanes.md), in-process, everything persisted, real git:
//   a) handoff overhead per stage with 8 lanes: N tasks (builder -> checker -> updater, demo mode)
//      through a runner adapter that answers at once and whose builder writes one file in the
//      lane's worktree; wall time per stage, minus nothing (the runner costs ~0), is the engine's
//      own cost per stage with lanes, git included;
//   b) the same queue with one lane (no git): the difference per task is what a lane costs in git
//      (worktree and branch, touched-path checks after each stage, landing, removal);
//   c) merge cost per landing, from the engine's own `lane_landed` events: the time from an item's
//      last stage_completed to its landing (commit of the worktree's work + merge + removal).
// Knobs: BENCH_LANES_TASKS (default 1000), BENCH_LANES_LANES (default 8).
// Run: node bench/run.mjs lanes
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { openQueueStore } from "@millrace/queue-store";
import { createEngine } from "@millrace/scheduler";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { median, quantile, record } from "../lib.mjs";

const TASKS = Number.parseInt(process.env.BENCH_LANES_TASKS ?? "1000", 10);
const LANES = Number.parseInt(process.env.BENCH_LANES_LANES ?? "8", 10);
const roots = [];

function git(cwd, ...args) {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
}

function workspace(tasks, lanes) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-lanes-"));
  roots.push(root);
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/s.json"\n\n[execution]\nlanes = ${lanes}\n`,
  );
  mkdirSync(path.join(paths.runtimeRoot, "scripted"), { recursive: true });
  writeFileSync(path.join(paths.runtimeRoot, "scripted", "s.json"), JSON.stringify({ rules: [] }));
  git(root, "init", "--quiet", "--initial-branch=main");
  git(root, "config", "user.name", "Millrace Bench");
  git(root, "config", "user.email", "bench@example.invalid");
  writeFileSync(path.join(root, ".gitignore"), "millrace-agents/\n");
  git(root, "add", "-A");
  git(root, "commit", "--quiet", "-m", "initial");
  const store = openQueueStore(paths);
  for (let index = 0; index < tasks; index += 1) {
    const id = `task-lane-${String(index).padStart(5, "0")}`;
    store.enqueue("task", {
      kind: "task",
      task_id: id,
      title: `Lane bench task ${index}`,
      summary: `Lane benchmark task ${index}`,
      target_paths: [`out/${id}.txt`],
      acceptance: ["it works"],
      required_checks: ["true"],
      references: ["none"],
      risk: ["low"],
      created_at: "2026-04-28T10:00:00Z",
      created_by: "bench",
    });
  }
  store.close();
  return root;
}

/** Answers at once with the first legal marker; the builder leaves one new file in its working directory. */
function instantRunner() {
  return {
    name: "scripted",
    async run(request, ctx) {
      const now = ctx.clock().toISOString();
      if (request.stage === "builder" && request.active_work_item_id) {
        mkdirSync(path.join(ctx.workspaceRoot, "out"), { recursive: true });
        writeFileSync(path.join(ctx.workspaceRoot, "out", `${request.active_work_item_id}.txt`), "done\n");
      }
      const marker = request.legal_terminal_markers[0] ?? "### BLOCKED";
      writeFileSync(ctx.artifacts.stdout, `${marker.startsWith("###") ? marker : `### ${marker}`}\n`);
      return {
        request_id: request.request_id,
        run_id: request.run_id,
        stage: request.stage,
        runner_name: "scripted",
        exit_kind: "completed",
        exit_code: 0,
        stdout_path: ctx.artifacts.stdout,
        started_at: now,
        ended_at: now,
      };
    },
  };
}

async function measure(label, tasks, lanes) {
  const root = workspace(tasks, lanes);
  const lastCompleted = new Map();
  const engine = createEngine({
    workspace: root,
    runners: [instantRunner()],
    monitor: (event) => {
      if (event.type === "stage_completed" && event.workItemId)
        lastCompleted.set(event.workItemId, performance.now());
    },
  });
  await engine.start();
  const started = performance.now();
  const report = await engine.runDaemon({ untilIdle: true });
  const wall = performance.now() - started;
  await engine.close();
  const stages = tasks * 3;
  const done = openQueueStore(workspacePaths(root)).list({ kind: "task", state: "done" }).length;
  if (report.stopReason !== "idle" || done !== tasks) {
    throw new Error(
      `${label}: expected ${tasks} tasks done and an idle stop, got ${done} (${report.stopReason})`,
    );
  }
  console.log(`\n${label}: ${tasks} tasks, ${stages} stages, ${(wall / 1000).toFixed(2)} s`);
  console.log(`  wall per stage                          ${(wall / stages).toFixed(2)} ms`);
  return { root, wall, stages };
}

try {
  await measure("warm-up (not a figure)", 8, LANES);
  const laned = await measure(`(a) ${LANES} lanes, instant runner`, TASKS, LANES);
  const single = await measure("(b) one lane (no git), instant runner", TASKS, 1);
  const perStage = laned.wall / laned.stages;
  const perItem = (laned.wall - single.wall) / TASKS;
  const merges = git(laned.root, "rev-list", "--count", "main").trim();
  console.log(
    `\nhandoff overhead per stage with ${LANES} lanes: ${perStage.toFixed(2)} ms (one lane: ${(single.wall / single.stages).toFixed(2)} ms)`,
  );
  console.log(`lane git cost per item (worktree, path checks, landing, removal): ${perItem.toFixed(1)} ms`);
  console.log(`commits on main after the ${LANES}-lane run: ${merges}`);
  record(`${LANES} lanes: engine overhead per stage handoff`, perStage);
  record(`${LANES} lanes: git cost per item (open, check paths, land, remove)`, perItem);
  // Merge cost per landing, from the log: last stage_completed -> lane_landed of the same item.
  const events = (await import("node:fs")).readFileSync(
    path.join(workspacePaths(laned.root).runtimeRoot, "logs", "runtime_events.jsonl"),
    "utf8",
  );
  const completedAt = new Map();
  const landing = [];
  for (const line of events.split("\n")) {
    if (!line) continue;
    const event = JSON.parse(line);
    if (event.event_type === "stage_completed")
      completedAt.set(event.data.work_item_id, Date.parse(event.occurred_at));
    if (event.event_type === "lane_landed") {
      const from = completedAt.get(event.data.work_item_id);
      if (from !== undefined) landing.push(Date.parse(event.occurred_at) - from);
    }
  }
  console.log(
    `merge cost per landing (commit + merge + removal, event clock): median ${median(landing).toFixed(1)} ms, p90 ${quantile(landing, 0.9).toFixed(1)} ms over ${landing.length}`,
  );
  record(`${LANES} lanes: merge cost per landing, median`, median(landing));
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}

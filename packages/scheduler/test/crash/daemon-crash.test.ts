import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask } from "../fixtures.js";
import {
  CHILD_SCRIPT,
  crashScript,
  documentLocations,
  endStateViolations,
  killableLife,
  prng,
  readJson,
  runChild,
  taskId,
  tasksWithoutLoggedUpdater,
} from "./harness.js";

/*
 * Crash-safety harness (DESIGN.md decisions 2 and 3): a daemon in a child process drives a scripted
 * 20-task run while this test SIGKILLs it at random moments and starts it again, until the run
 * finishes. Wherever a kill lands (startup, claim, dispatch, a stage result written but not applied,
 * a decision half-applied), startup reconciliation must converge: every task done exactly once,
 * nothing stranded, no litter, every persisted file readable.
 *
 * Knobs (environment): MILLRACE_CRASH_KILLS (default 100), MILLRACE_CRASH_SEED (default random;
 * printed with the summary and with every failure), MILLRACE_CRASH_SUBPROCESS=1 runs the scripted
 * runner as a child process (the kill takes the whole process group, like a machine crash).
 */

const TASKS = 20;
const FIX_CYCLE_TASKS = [2, 5, 9, 13, 17];
const KILLS = Number.parseInt(process.env.MILLRACE_CRASH_KILLS ?? "100", 10);
const SEED = Number.parseInt(
  process.env.MILLRACE_CRASH_SEED ?? String(Math.floor(Math.random() * 2 ** 31)),
  10,
);
const SUBPROCESS = process.env.MILLRACE_CRASH_SUBPROCESS === "1";
/**
 * Wall time in which the kills must land. On a loaded machine (CI on 2 cores, or several suites at
 * once) 100 lives can take longer than the test may run; the kills then stop when this runs out and
 * the run is finished cleanly, so the invariants are still checked over every kill that landed.
 */
const KILL_BUDGET_MS = 120_000;
/** Fewest kills that still make the run a crash test when the budget runs out. */
const MIN_KILLS = Math.min(KILLS, 20);
/** Builder, checker and updater per task, plus fixer and doublechecker per fix cycle. */
const EXPECTED_STAGES = TASKS * 3 + FIX_CYCLE_TASKS.length * 2;
/** Widest kill window after start (ms): a few stages' worth, so kills stay spread over the run. */
const MAX_WINDOW_MS = 150;
/** Builder, checker and updater per task: every fix cycle skipped. */
const MIN_STAGES = TASKS * 3;

type KillPhase =
  | "startup"
  | "mid_stage"
  | "result_written_not_applied"
  | "claimed_not_activated"
  | "moved_not_committed"
  | "between_stages";

const MID_STAGE: readonly KillPhase[] = ["mid_stage", "result_written_not_applied"];

interface Life {
  index: number;
  delayMs: number | null;
  startedAfterMs: number | null;
  stagesCompleted: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdoutTail: string;
  stderr: string;
  phase: KillPhase | null;
}

/** Where in the engine's cycle a kill landed, judged from what it left on disk. */
function classifyKill(paths: WorkspacePaths, sawStart: boolean): KillPhase {
  if (!sawStart) return "startup";
  for (const name of readdirSync(paths.state)) {
    if (!/^inflight_[a-z]+\.json$/.test(name)) continue;
    try {
      const inflight = readJson(path.join(paths.state, name));
      return existsSync(String(inflight.stage_result_path)) ? "result_written_not_applied" : "mid_stage";
    } catch {
      return "mid_stage";
    }
  }
  const snapshot = readJson(paths.snapshot);
  const runs = Object.values(
    (snapshot.active_runs_by_plane ?? {}) as Record<string, { work_item_id?: string | null }>,
  );
  const owned = new Set(runs.map((run) => run.work_item_id).filter((id): id is string => Boolean(id)));
  const locations = documentLocations(paths);
  for (const [id, folders] of locations) {
    if (folders.some((folder) => folder.endsWith("/active")) && !owned.has(id))
      return "claimed_not_activated";
  }
  for (const id of owned) {
    if (!(locations.get(id) ?? []).some((folder) => folder.endsWith("/active"))) return "moved_not_committed";
  }
  return "between_stages";
}

function describeLife(life: Life): string {
  const stdout = life.stdoutTail.trim().split("\n").slice(-5).join(" | ");
  return `life ${life.index}: kill after ${life.delayMs ?? "-"}ms, started after ${life.startedAfterMs?.toFixed(0) ?? "-"}ms, stages ${life.stagesCompleted}, exit ${life.exitCode}/${life.signal}, phase ${life.phase}\n  stderr: ${life.stderr.trim().slice(-800) || "(none)"}\n  stdout tail: ${stdout}`;
}

/** The empty-takeover-guard wedge of the workspace lock (a known bug, reported separately). */
function isKnownLockWedge(paths: WorkspacePaths, life: Life): boolean {
  const guard = `${paths.lockFile}.takeover`;
  return (
    life.stderr.includes("is replacing the stale ownership lock") &&
    existsSync(guard) &&
    readFileSync(guard, "utf8").trim() === ""
  );
}

/** Time from spawn to `runtime_started` on this machine, measured on a scratch workspace. */
async function calibrateStartup(): Promise<number> {
  const scratch = demoWorkspace(crashScript([]));
  const startedAt = performance.now();
  const exit = await runChild(scratch.root);
  if (exit.code !== 0) throw new Error(`the daemon does not start on an empty workspace: ${exit.stderr}`);
  return performance.now() - startedAt;
}

describe("daemon crash safety (kill -9 at random moments)", () => {
  it(`converges after ${KILLS} SIGKILLs over a ${TASKS}-task run (seed ${SEED})`, {
    timeout: 170_000,
  }, async () => {
    const random = prng(SEED);
    const ws = demoWorkspace(crashScript(FIX_CYCLE_TASKS), SUBPROCESS ? "subprocess = true\n" : "");
    const tasks = Array.from({ length: TASKS }, (_, index) => taskId(index));
    for (const id of tasks) enqueueTask(ws, id);

    const began = performance.now();
    let budgetRanOut = false;
    let startup = await calibrateStartup();
    const calibratedStartup = startup;
    let window = 50;
    const lives: Life[] = [];
    const phases = new Map<KillPhase, number>();
    let kills = 0;
    let stagesSeen = 0;
    let lockWedges = 0;
    const context = () =>
      `seed ${SEED} (rerun with MILLRACE_CRASH_SEED=${SEED}), workspace ${ws.root}, ${kills} kills so far\n${lives
        .slice(-4)
        .map(describeLife)
        .join("\n")}`;

    for (;;) {
      if (lives.length > KILLS * 3 + 20)
        throw new Error(`the run did not finish after ${lives.length} lives; ${context()}`);
      let kill: { ms: number; afterStart: boolean } | null = null;
      if (kills < KILLS && performance.now() - began >= KILL_BUDGET_MS) budgetRanOut = true;
      if (kills < KILLS && !budgetRanOut) {
        // Some kills land during startup (reconciliation itself must survive a kill); the rest land
        // at a random moment after the daemon reported it started, in a window whose width follows
        // progress, so the kills spread over the whole run.
        kill =
          random() < 0.15
            ? { ms: Math.round(random() * startup), afterStart: false }
            : { ms: Math.round(random() * window), afterStart: true };
      }
      const delayMs = kill ? kill.ms : null;
      const life: Life = {
        index: lives.length,
        delayMs,
        startedAfterMs: null,
        stagesCompleted: 0,
        exitCode: null,
        signal: null,
        stdoutTail: "",
        stderr: "",
        phase: null,
      };
      lives.push(life);
      const exit = await killableLife(CHILD_SCRIPT, ws.root, kill);
      Object.assign(life, {
        startedAfterMs: exit.startedAfterMs,
        stagesCompleted: exit.stagesCompleted,
        exitCode: exit.code,
        signal: exit.signal,
        stdoutTail: exit.stdout.slice(-400),
        stderr: exit.stderr,
      });
      stagesSeen += life.stagesCompleted;
      if (life.startedAfterMs !== null) startup = startup * 0.7 + life.startedAfterMs * 0.3;

      if (life.signal === "SIGKILL") {
        kills += 1;
        life.phase = classifyKill(ws.paths, life.startedAfterMs !== null);
        phases.set(life.phase, (phases.get(life.phase) ?? 0) + 1);
        // No work item is lost, not even between a kill and the next start.
        const locations = documentLocations(ws.paths);
        const lost = tasks.filter((id) => !locations.has(id));
        if (lost.length > 0) throw new Error(`tasks lost after a kill: ${lost.join(", ")}; ${context()}`);
        // Keep progress behind the kill count (against the smallest possible run, since a fix cycle
        // is skipped when a kill cuts off the checker's first attempt), so the run cannot finish
        // before every kill has landed: halve the window when ahead, widen it when behind.
        // The cap keeps one life from finishing the rest of the run in one go when the machine
        // speeds up after a slow stretch (it used to be 600 ms: about 25 stages in one life).
        window =
          stagesSeen / MIN_STAGES > (kills / KILLS) * 0.8
            ? Math.max(2, window * 0.5)
            : Math.min(MAX_WINDOW_MS, window * 1.3);
        continue;
      }
      if (life.exitCode !== 0 && isKnownLockWedge(ws.paths, life)) {
        // Known workspace bug (see crash-points.test.ts): a kill inside the lock takeover leaves an
        // empty guard that blocks every later start. Do what its hint tells an operator, count it,
        // and go on, so this harness keeps checking the engine's own invariants.
        lockWedges += 1;
        rmSync(`${ws.paths.lockFile}.takeover`, { force: true });
        continue;
      }
      if (life.exitCode !== 0)
        throw new Error(`the daemon failed on its own (exit ${life.exitCode}); ${context()}`);
      if (!life.stdoutTail.includes('"stopReason":"idle"'))
        throw new Error(`the daemon stopped short of idle; ${context()}`);
      break;
    }

    const summary = [...phases.entries()].map(([phase, count]) => `${phase}=${count}`).join(" ");
    const midStage = MID_STAGE.reduce((sum, phase) => sum + (phases.get(phase) ?? 0), 0);
    const unlogged = tasksWithoutLoggedUpdater(ws.paths, tasks);
    console.info(
      `[crash harness] seed=${SEED} startup≈${calibratedStartup.toFixed(0)}ms lives=${lives.length} kills=${kills}: mid-stage ${midStage}, between stages ${kills - midStage} (${summary}); stage completions seen ${stagesSeen} (a clean run: ${EXPECTED_STAGES}); tasks done without a logged updater stage_completed: ${unlogged.length}; lock-takeover wedges worked around: ${lockWedges}${budgetRanOut ? ` (the ${KILL_BUDGET_MS} ms kill budget ran out)` : ""}`,
    );
    const why = `\n${context()}\nkill phases: ${summary}`;
    // Fewer kills only when the wall-time budget ran out (a loaded machine), never because the run ended early.
    if (!budgetRanOut)
      expect(kills, `the run finished after fewer kills than asked${why}`).toBeGreaterThanOrEqual(KILLS);
    expect(kills, `too few kills landed within the budget${why}`).toBeGreaterThanOrEqual(MIN_KILLS);
    // The violations go on the message's first line: a CI summary quotes only that line.
    const violations = endStateViolations(ws.paths, tasks, MIN_STAGES);
    expect(violations, `end-state invariants: ${violations.join("; ")}${why}`).toEqual([]);
  });
});

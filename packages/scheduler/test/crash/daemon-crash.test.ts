import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeEventSchema, type ScriptFileInput, StageResultEnvelopeSchema } from "@millrace/contracts";
import { TEMP_FILE_PATTERN, type WorkspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask, type TestWorkspace } from "../fixtures.js";

/*
 * Crash-safety harness (DESIGN.md decisions 2 and 3): a daemon in a child process drives a scripted
 * 20-task run while this test SIGKILLs it at random moments and starts it again, until the run
 * finishes. Whatever moment a kill lands on (startup, claim, dispatch, a stage result written but
 * not applied, a decision half-applied), startup reconciliation must converge: every task done
 * exactly once, nothing stranded, no litter, every persisted file readable.
 *
 * Knobs (environment): MILLRACE_CRASH_KILLS (default 100), MILLRACE_CRASH_SEED (default random;
 * printed with every failure), MILLRACE_CRASH_SUBPROCESS=1 runs the scripted runner as a child
 * process (the kill then takes the whole process group, like a machine crash).
 */

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "daemon-child.mjs");
const TASKS = 20;
const FIX_CYCLE_TASKS = new Set([2, 5, 9, 13, 17]);
const STAGE_SLEEP_MS = 12;
const KILLS = Number.parseInt(process.env.MILLRACE_CRASH_KILLS ?? "100", 10);
const SEED = Number.parseInt(process.env.MILLRACE_CRASH_SEED ?? String(Math.floor(Math.random() * 2 ** 31)), 10);
const SUBPROCESS = process.env.MILLRACE_CRASH_SUBPROCESS === "1";
/** Builder, checker, updater per task, plus fixer and doublechecker for each fix cycle. */
const EXPECTED_STAGES = TASKS * 3 + FIX_CYCLE_TASKS.size * 2;

/** mulberry32: a tiny seedable PRNG, so a failing run's kill schedule can be replayed approximately. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const taskId = (index: number) => `task-crash-${String(index).padStart(2, "0")}`;

/** Every stage sleeps a little so kills land inside stages too; some checkers ask for one fix cycle. */
function crashScript(): ScriptFileInput {
  const stage = (name: string, token: string) => ({
    stage: name,
    actions: [
      { type: "sleep" as const, ms: STAGE_SLEEP_MS },
      { type: "marker" as const, token },
    ],
  });
  return {
    description: "crash harness",
    rules: [
      ...[...FIX_CYCLE_TASKS].map((index) => ({
        stage: "checker",
        work_item_id: taskId(index),
        attempt: 1,
        actions: [
          { type: "sleep" as const, ms: STAGE_SLEEP_MS },
          { type: "marker" as const, token: "FIX_NEEDED" },
        ],
      })),
      stage("builder", "BUILDER_COMPLETE"),
      stage("checker", "CHECKER_PASS"),
      stage("fixer", "FIXER_COMPLETE"),
      stage("doublechecker", "DOUBLECHECK_PASS"),
      stage("updater", "UPDATE_COMPLETE"),
      stage("troubleshooter", "TROUBLESHOOT_COMPLETE"),
    ],
  };
}

type KillPhase =
  | "startup"
  | "mid_stage"
  | "result_written_not_applied"
  | "claimed_not_activated"
  | "moved_not_committed"
  | "between_stages";

interface Life {
  index: number;
  delayMs: number | null;
  startedAfterMs: number | null;
  stagesCompleted: number;
  killed: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdoutTail: string;
  stderr: string;
  phase: KillPhase | null;
}

function listMarkdown(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".md"));
  } catch {
    return [];
  }
}

function walk(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** id -> the queue folders (kind/state) holding a document with that id. */
function documentLocations(paths: WorkspacePaths): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const [kind, folders] of Object.entries(paths.queues)) {
    for (const [state, dir] of Object.entries(folders)) {
      for (const name of listMarkdown(dir)) {
        const id = name.replace(/\.md$/, "");
        where.set(id, [...(where.get(id) ?? []), `${kind}/${state}`]);
      }
    }
  }
  return where;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Where in the engine's cycle the kill landed, judged from what it left on disk. */
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
  const runs = Object.values((snapshot.active_runs_by_plane ?? {}) as Record<string, { work_item_id?: string | null }>);
  const owned = new Set(runs.map((run) => run.work_item_id).filter(Boolean));
  const locations = documentLocations(paths);
  for (const [id, folders] of locations) {
    if (folders.some((folder) => folder.endsWith("/active")) && !owned.has(id)) return "claimed_not_activated";
  }
  for (const id of owned) {
    if (!(locations.get(id as string) ?? []).some((folder) => folder.endsWith("/active"))) return "moved_not_committed";
  }
  return "between_stages";
}

interface LifeHandle {
  child: ChildProcess;
  done: Promise<void>;
}

function startLife(ws: TestWorkspace, life: Life, killAt: number | null): LifeHandle {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [CHILD, ws.root], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    stdout += chunk;
    if (life.startedAfterMs === null && stdout.includes("runtime_started")) {
      life.startedAfterMs = performance.now() - spawnedAt;
    }
  });
  child.stderr?.on("data", (chunk: string) => {
    life.stderr += chunk;
  });
  let timer: NodeJS.Timeout | undefined;
  if (killAt !== null) {
    timer = setTimeout(() => {
      life.killed = true;
      try {
        // The whole process group: an in-flight runner subprocess dies with the daemon.
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
    }, killAt);
  }
  const done = new Promise<void>((resolve) => {
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      life.exitCode = code;
      life.signal = signal;
      life.stagesCompleted = stdout.split("\n").filter((line) => line.startsWith("stage_completed")).length;
      life.stdoutTail = stdout.slice(-400);
      resolve();
    });
  });
  return { child, done };
}

function describeLife(life: Life): string {
  return `life ${life.index}: delay=${life.delayMs ?? "none"}ms started=${life.startedAfterMs?.toFixed(0) ?? "no"}ms stages=${life.stagesCompleted} exit=${life.exitCode} signal=${life.signal} phase=${life.phase}\n  stderr: ${life.stderr.trim().slice(-600) || "(none)"}\n  stdout tail: ${life.stdoutTail.trim().split("\n").slice(-5).join(" | ")}`;
}

describe("daemon crash safety (kill -9 at random moments)", () => {
  it(`converges after ${KILLS} SIGKILLs over a ${TASKS}-task run (seed ${SEED})`, { timeout: 170_000 }, async () => {
    const random = prng(SEED);
    const ws = demoWorkspace(crashScript(), SUBPROCESS ? "subprocess = true\n" : "");
    for (let index = 0; index < TASKS; index += 1) enqueueTask(ws, taskId(index));
    const allTasks = Array.from({ length: TASKS }, (_, index) => taskId(index));

    const lives: Life[] = [];
    const phases = new Map<KillPhase, number>();
    let kills = 0;
    let finished = false;
    let startupAverage = 350;
    let window = 60;
    let stagesSoFar = 0;
    const context = () =>
      `seed=${SEED} (rerun with MILLRACE_CRASH_SEED=${SEED}), workspace=${ws.root}, kills=${kills}\n${lives.slice(-4).map(describeLife).join("\n")}`;

    while (!finished) {
      if (lives.length > KILLS * 3 + 20) throw new Error(`the run did not finish after ${lives.length} lives; ${context()}`);
      let delayMs: number | null = null;
      if (kills < KILLS) {
        // A few kills land during startup (reconciliation itself must survive a kill); the rest
        // land inside a window after startup whose width follows progress, so the kills spread
        // over the whole run instead of all landing in its first half.
        delayMs =
          random() < 0.15 ? random() * startupAverage : startupAverage * 0.9 + random() * window;
        delayMs = Math.max(1, Math.round(delayMs));
      }
      const life: Life = {
        index: lives.length,
        delayMs,
        startedAfterMs: null,
        stagesCompleted: 0,
        killed: false,
        exitCode: null,
        signal: null,
        stdoutTail: "",
        stderr: "",
        phase: null,
      };
      lives.push(life);
      const handle = startLife(ws, life, delayMs);
      await handle.done;
      stagesSoFar += life.stagesCompleted;
      if (life.startedAfterMs !== null) startupAverage = startupAverage * 0.8 + life.startedAfterMs * 0.2;

      if (life.signal === "SIGKILL") {
        kills += 1;
        life.phase = classifyKill(ws.paths, life.startedAfterMs !== null);
        phases.set(life.phase, (phases.get(life.phase) ?? 0) + 1);
        // No work item is ever lost, even between a kill and the next start.
        const locations = documentLocations(ws.paths);
        const lost = allTasks.filter((id) => !locations.has(id));
        if (lost.length > 0) throw new Error(`tasks lost after a kill: ${lost.join(", ")}; ${context()}`);
        const progress = stagesSoFar / EXPECTED_STAGES;
        const killShare = kills / KILLS;
        if (progress > killShare * 0.9) window = Math.max(2, window * 0.8);
        else window = Math.min(600, window * 1.2);
        continue;
      }
      if (life.exitCode !== 0) {
        throw new Error(`the daemon failed on its own (exit ${life.exitCode}); ${context()}`);
      }
      finished = life.stdoutTail.includes('"stopReason":"idle"');
      if (!finished) throw new Error(`the daemon stopped without reaching idle; ${context()}`);
    }

    const summary = [...phases.entries()].map(([phase, count]) => `${phase}=${count}`).join(" ");
    const midStage = (phases.get("mid_stage") ?? 0) + (phases.get("result_written_not_applied") ?? 0);
    console.info(
      `[crash harness] seed=${SEED} lives=${lives.length} kills=${kills} (mid-stage ${midStage}, between stages ${kills - midStage}); ${summary}; stage completions seen=${stagesSoFar} (clean run: ${EXPECTED_STAGES})`,
    );
    const why = `\n${context()}\nkill phases: ${summary}`;
    expect(kills, `fewer kills than asked: the run finished early${why}`).toBeGreaterThanOrEqual(KILLS);

    const paths = ws.paths;
    // Every task in tasks/done exactly once, and no document of any kind in two folders.
    const locations = documentLocations(paths);
    for (const id of allTasks) expect(locations.get(id), `${id}${why}`).toEqual(["task/done"]);
    const duplicated = [...locations].filter(([, folders]) => folders.length > 1);
    expect(duplicated, `documents in more than one folder${why}`).toEqual([]);
    const active = Object.values(paths.queues).flatMap((folders) => listMarkdown(folders.active));
    expect(active, `documents left in active/${why}`).toEqual([]);

    const snapshot = readJson(paths.snapshot);
    expect(snapshot.active_runs_by_plane, `snapshot active runs${why}`).toEqual({});
    expect(snapshot.process_running).toBe(false);
    const counters = readJson(paths.recoveryCounters);
    expect(counters.entries ?? [], `recovery counters${why}`).toEqual([]);

    const stateFiles = readdirSync(paths.state);
    expect(stateFiles.filter((name) => name.startsWith("inflight_")), `inflight journals${why}`).toEqual([]);

    const everything = walk(paths.runtimeRoot);
    const litter = everything.filter((file) => TEMP_FILE_PATTERN.test(path.basename(file)));
    expect(litter.map((file) => path.relative(paths.runtimeRoot, file)), `temp files${why}`).toEqual([]);

    // The event log: the daemon's last life closed cleanly, so there is no torn tail; every line parses.
    const log = readFileSync(paths.runtimeEvents, "utf8");
    expect(log.endsWith("\n")).toBe(true);
    const badLines = log
      .split("\n")
      .slice(0, -1)
      .map((line, index) => ({ index, line }))
      .filter(({ line }) => {
        try {
          return !RuntimeEventSchema.safeParse(JSON.parse(line)).success;
        } catch {
          return true;
        }
      });
    expect(badLines.map(({ index, line }) => `${index}: ${line.slice(0, 120)}`), `unparseable event lines${why}`).toEqual([]);

    // Every stage result on disk parses (a torn or interrupted one is set aside under another name).
    const results = everything.filter((file) => file.includes(`${path.sep}stage_results${path.sep}`) && file.endsWith(".json"));
    expect(results.length).toBeGreaterThanOrEqual(EXPECTED_STAGES);
    const badResults = results.filter((file) => {
      try {
        return !StageResultEnvelopeSchema.safeParse(readJson(file)).success;
      } catch {
        return true;
      }
    });
    expect(badResults, `unparseable stage results${why}`).toEqual([]);

    // Each task finished through its updater: the log records an applied UPDATE_COMPLETE for each.
    const events = log
      .split("\n")
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { event_type: string; data: Record<string, unknown> });
    const updated = new Set(
      events
        .filter((event) => event.event_type === "stage_completed" && event.data.stage === "updater")
        .filter((event) => event.data.terminal_result === "UPDATE_COMPLETE")
        .map((event) => event.data.work_item_id),
    );
    expect([...allTasks].filter((id) => !updated.has(id)), `tasks without an applied updater result${why}`).toEqual([]);
  });
});

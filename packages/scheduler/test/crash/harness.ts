import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeEventSchema, type ScriptFileInput, StageResultEnvelopeSchema } from "@millrace/contracts";
import { TEMP_FILE_PATTERN, type WorkspacePaths } from "@millrace/workspace";

/** Shared by the crash tests: the child daemon, the script it runs, and the end-state invariants. */

export const CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "daemon-child.mjs");
export const STAGE_SLEEP_MS = 12;

/** mulberry32: a tiny seedable PRNG, so a failing run's kill schedule can be replayed (timing permitting). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const taskId = (index: number) => `task-crash-${String(index).padStart(2, "0")}`;

/** Every stage sleeps a little (so kills land inside stages); the listed tasks get one fix cycle. */
export function crashScript(fixCycleTasks: Iterable<number>): ScriptFileInput {
  const sleep = { type: "sleep" as const, ms: STAGE_SLEEP_MS };
  const stage = (name: string, token: string) => ({
    stage: name,
    actions: [sleep, { type: "marker" as const, token }],
  });
  return {
    description: "crash harness",
    rules: [
      ...[...fixCycleTasks].map((index) => ({
        stage: "checker",
        work_item_id: taskId(index),
        attempt: 1,
        actions: [sleep, { type: "marker" as const, token: "FIX_NEEDED" }],
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

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one daemon life to its end (or its self-inflicted kill) with extra environment. */
export function runChild(root: string, env: Record<string, string> = {}): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, root], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function listMarkdown(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".md"));
  } catch {
    return [];
  }
}

export function walk(dir: string, out: string[] = []): string[] {
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

/** id -> the queue folders (`kind/state`) holding a document with that id. */
export function documentLocations(paths: WorkspacePaths): Map<string, string[]> {
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

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

export interface LoggedEvent {
  event_type: string;
  data: Record<string, unknown>;
}

export function readEventLog(paths: WorkspacePaths): LoggedEvent[] {
  return readFileSync(paths.runtimeEvents, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LoggedEvent];
      } catch {
        return [];
      }
    });
}

/** Tasks whose UPDATE_COMPLETE was applied without a `stage_completed` event saying so. */
export function tasksWithoutLoggedUpdater(paths: WorkspacePaths, tasks: readonly string[]): string[] {
  const logged = new Set(
    readEventLog(paths)
      .filter((event) => event.event_type === "stage_completed" && event.data.stage === "updater")
      .filter((event) => event.data.terminal_result === "UPDATE_COMPLETE")
      .map((event) => event.data.work_item_id),
  );
  return tasks.filter((id) => !logged.has(id));
}

/**
 * What a finished run must look like however often it was killed, as a list of violations (empty
 * when all hold): every task in tasks/done exactly once, no document in two folders, nothing in any
 * active/ folder, no active run in the snapshot, no recovery counters, no inflight journal, no temp
 * files anywhere, every event line and every stage result parseable.
 */
export function endStateViolations(
  paths: WorkspacePaths,
  tasks: readonly string[],
  minStageResults: number,
): string[] {
  const violations: string[] = [];
  const locations = documentLocations(paths);
  for (const id of tasks) {
    const folders = locations.get(id) ?? [];
    if (folders.join() !== "task/done")
      violations.push(`${id} is in [${folders.join(", ")}], expected [task/done]`);
  }
  for (const [id, folders] of locations) {
    if (folders.length > 1) violations.push(`${id} is in more than one folder: ${folders.join(", ")}`);
  }
  for (const folders of Object.values(paths.queues)) {
    for (const name of listMarkdown(folders.active)) violations.push(`left in active/: ${name}`);
  }

  const snapshot = readJson(paths.snapshot);
  if (JSON.stringify(snapshot.active_runs_by_plane) !== "{}") {
    violations.push(`snapshot still has active runs: ${JSON.stringify(snapshot.active_runs_by_plane)}`);
  }
  if (snapshot.process_running !== false)
    violations.push("snapshot says process_running after a clean close");
  const counters = readJson(paths.recoveryCounters);
  if (Array.isArray(counters.entries) && counters.entries.length > 0) {
    violations.push(`recovery counters left: ${JSON.stringify(counters.entries)}`);
  }
  for (const name of readdirSync(paths.state)) {
    if (name.startsWith("inflight_")) violations.push(`inflight journal left: state/${name}`);
  }

  const everything = walk(paths.runtimeRoot);
  for (const file of everything) {
    if (TEMP_FILE_PATTERN.test(path.basename(file)))
      violations.push(`temp file left: ${path.relative(paths.runtimeRoot, file)}`);
  }

  // The last life closed cleanly, so the log has no torn tail: every line must parse.
  const log = readFileSync(paths.runtimeEvents, "utf8");
  if (!log.endsWith("\n")) violations.push("event log does not end with a newline");
  log
    .split("\n")
    .slice(0, -1)
    .forEach((line, index) => {
      let ok = false;
      try {
        ok = RuntimeEventSchema.safeParse(JSON.parse(line)).success;
      } catch {
        ok = false;
      }
      if (!ok) violations.push(`event line ${index + 1} does not parse: ${line.slice(0, 160)}`);
    });

  // Torn or interrupted stage results are set aside under another suffix; every `.json` must parse.
  const results = everything.filter(
    (file) => file.includes(`${path.sep}stage_results${path.sep}`) && file.endsWith(".json"),
  );
  if (results.length < minStageResults)
    violations.push(`only ${results.length} stage results, expected at least ${minStageResults}`);
  for (const file of results) {
    let ok = false;
    try {
      ok = StageResultEnvelopeSchema.safeParse(readJson(file)).success;
    } catch {
      ok = false;
    }
    if (!ok) violations.push(`stage result does not parse: ${path.relative(paths.runtimeRoot, file)}`);
  }
  return violations;
}

/** When a daemon life is SIGKILLed: `ms` after spawn, or `ms` after it reported `runtime_started`. */
export interface KillPlan {
  ms: number;
  afterStart: boolean;
}

export interface KilledLife extends ChildExit {
  /** From spawn to `runtime_started`, or null when it never started. */
  startedAfterMs: number | null;
  /** How many `stage_completed` lines the life printed. */
  stagesCompleted: number;
}

/**
 * One daemon life of `script` (a child .mjs taking the workspace root), SIGKILLed with its whole
 * process group as `kill` says, unless it ends first; `kill = null` lets it run to its end.
 */
export function killableLife(script: string, root: string, kill: KillPlan | null): Promise<KilledLife> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [script, root], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
    }, ms);
  };
  if (kill && !kill.afterStart) arm(kill.ms);
  let startedAfterMs: number | null = null;
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (startedAfterMs === null && stdout.includes("runtime_started")) {
      startedAfterMs = performance.now() - spawnedAt;
      if (kill?.afterStart) arm(kill.ms);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const stagesCompleted = stdout.split("\n").filter((line) => line.startsWith("stage_completed")).length;
      resolve({ code, signal, stdout, stderr, startedAfterMs, stagesCompleted });
    });
  });
}

import { randomBytes } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type ActiveRunState,
  bootstrapSnapshot,
  MillraceConfigSchema,
  normalizeRuntimeSnapshot,
  type Plane,
  planeOfStage,
  type RuntimeSnapshot,
  runningMarkerToken,
  type ScriptAction,
  type ScriptFileInput,
  STAGE_LEGALITY,
  type StageRunRequestInput,
  typedJson,
} from "@millrace/contracts";
import { createRunnerRegistry, dispatchStage, scriptStatePath } from "@millrace/runners";
import { initWorkspace, workspacePaths } from "@millrace/workspace";

/** A fresh initialized workspace in a temp folder. */
export function makeWorkspace(prefix = "millrace-readmodels-"): string {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  initWorkspace(root, { now: new Date("2026-04-28T09:00:00Z") });
  return root;
}

export function newRunId(): string {
  return `run-${randomBytes(16).toString("hex")}`;
}

function newRequestId(): string {
  return `request-${randomBytes(16).toString("hex")}`;
}

/** A clock that moves one second per reading, from `start`. */
export function steppingClock(start = "2026-04-28T10:00:00Z"): () => Date {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}

export interface ScriptedStep {
  stage: string;
  /** What the scripted runner does for this stage (default: print its first legal marker). */
  actions?: ScriptAction[];
}

export interface RunFixtureOptions {
  runId?: string;
  workItemKind?: "task" | "spec" | "incident";
  workItemId?: string;
  compiledPlanId?: string;
  clock?: () => Date;
}

function buildRequest(
  root: string,
  runId: string,
  stage: string,
  options: RunFixtureOptions,
): StageRunRequestInput {
  const paths = workspacePaths(root);
  const legality = STAGE_LEGALITY.find((entry) => entry.stageKindId === stage);
  if (!legality) throw new Error(`unknown stage ${stage}`);
  const plane: Plane = planeOfStage(stage) ?? "execution";
  const outcomes: Record<string, string[]> = {};
  for (const [outcome, classes] of Object.entries(legality.outcomes)) outcomes[outcome] = [...classes];
  const runDir = path.join(paths.runs, runId);
  const kind = options.workItemKind ?? (plane === "planning" ? "spec" : "task");
  const id = options.workItemId ?? `${kind}-demo-001`;
  return {
    request_id: newRequestId(),
    run_id: runId,
    plane,
    stage,
    mode_id: "default_codex",
    compiled_plan_id: options.compiledPlanId ?? "plan-test",
    node_id: stage,
    stage_kind_id: stage,
    running_status_marker: runningMarkerToken(stage),
    legal_terminal_markers: Object.keys(outcomes).map((outcome) => `### ${outcome}`),
    allowed_result_classes_by_outcome: outcomes as StageRunRequestInput["allowed_result_classes_by_outcome"],
    entrypoint_path: path.join(paths.entrypoints, plane, `${stage}.md`),
    active_work_item_kind: kind,
    active_work_item_id: id,
    active_work_item_path: path.join(paths.queues[kind].active, `${id}.md`),
    run_dir: runDir,
    summary_status_path: paths.statusFiles[plane],
    runtime_snapshot_path: paths.snapshot,
    recovery_counters_path: paths.recoveryCounters,
    preferred_troubleshoot_report_path: path.join(runDir, "troubleshoot_report.md"),
    timeout_seconds: 30,
  };
}

/**
 * A real run folder: each step is dispatched through `dispatchStage` with the built-in scripted
 * runner, so the stage results and runner artifacts are exactly what the engine would produce.
 */
export async function scriptedRun(
  root: string,
  steps: ScriptedStep[],
  options: RunFixtureOptions = {},
): Promise<string> {
  const runId = options.runId ?? newRunId();
  const paths = workspacePaths(root);
  const clock = options.clock ?? steppingClock();
  const seen = new Map<string, number>();
  const rules: NonNullable<ScriptFileInput["rules"]> = [];
  for (const step of steps) {
    const attempt = (seen.get(step.stage) ?? 0) + 1;
    seen.set(step.stage, attempt);
    if (step.actions) rules.push({ stage: step.stage, attempt, actions: step.actions });
  }
  const scriptFile = path.join(paths.runtimeRoot, "scripted", `script-${runId}.json`);
  mkdirSync(path.dirname(scriptFile), { recursive: true });
  writeFileSync(scriptFile, `${JSON.stringify({ rules }, null, 2)}\n`);
  const config = MillraceConfigSchema.parse({
    runners: { default_runner: "scripted", scripted: { script: scriptFile } },
  });
  const registry = createRunnerRegistry();
  // The scripted runner counts attempts per stage and work item across the workspace; each fixture
  // run starts counting afresh so its rules' attempt numbers are its own.
  rmSync(scriptStatePath(paths.runtimeRoot), { force: true });
  for (const step of steps) {
    await dispatchStage(buildRequest(root, runId, step.stage, options), {
      registry,
      config,
      workspaceRoot: root,
      clock,
      env: {},
    });
  }
  return runId;
}

/** Writes the runtime snapshot (normalised) with the given fields over the bootstrap defaults. */
export function writeSnapshot(root: string, fields: Record<string, unknown>): RuntimeSnapshot {
  const snapshot = normalizeRuntimeSnapshot({
    ...bootstrapSnapshot(new Date("2026-04-28T10:00:00Z")),
    ...fields,
  });
  writeFileSync(workspacePaths(root).snapshot, typedJson(snapshot));
  return snapshot;
}

export function activeRun(
  plane: Plane,
  stage: string,
  runId: string,
  extra: Partial<ActiveRunState> = {},
): ActiveRunState {
  return {
    plane,
    stage,
    node_id: stage,
    stage_kind_id: stage,
    run_id: runId,
    request_kind: "active_work_item",
    work_item_kind: plane === "execution" ? "task" : "spec",
    work_item_id: plane === "execution" ? "task-demo-001" : "spec-demo-001",
    active_since: "2026-04-28T10:00:00Z",
    ...extra,
  };
}

/** Every file under `dir` with its size and mtime, to prove a reader changed nothing. */
export function treeFingerprint(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        out.push(`${full}/`);
        walk(full);
      } else {
        const stat = statSync(full);
        out.push(`${full} ${stat.size} ${stat.mtimeMs} ${readFileSync(full).toString("base64").length}`);
      }
    }
  };
  walk(dir);
  return out.join("\n");
}

/** One real stage result (file name and envelope), to copy into synthetic run folders. */
export interface StageResultTemplate {
  readonly name: string;
  readonly envelope: Record<string, unknown>;
}

/** Writes a scripted builder run in a throwaway workspace and returns its stage result as a template. */
export async function stageResultTemplate(): Promise<StageResultTemplate> {
  const root = makeWorkspace();
  const runId = await scriptedRun(root, [{ stage: "builder" }], { clock: steppingClock() });
  const dir = path.join(workspacePaths(root).runs, runId, "stage_results");
  const name = readdirSync(dir).find((file) => file.endsWith(".json")) as string;
  return { name, envelope: JSON.parse(readFileSync(path.join(dir, name), "utf8")) };
}

/** Start of the synthetic runs' timeline (minute 0). */
export const SYNTHETIC_BASE = Date.parse("2026-05-01T08:00:00Z");

/**
 * A run folder whose only stage started `minute` minutes after SYNTHETIC_BASE, for `item`; its
 * `stage_results/` folder is dated `boundOffsetMs` after that start (the result is written later).
 */
export function writeSyntheticRun(
  root: string,
  template: StageResultTemplate,
  minute: number,
  item = "task-1",
  boundOffsetMs = 40_000,
): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  const runId = newRunId();
  const dir = path.join(workspacePaths(root).runs, runId, "stage_results");
  mkdirSync(dir, { recursive: true });
  const started = SYNTHETIC_BASE + minute * 60_000;
  const envelope = {
    ...template.envelope,
    run_id: runId,
    work_item_id: item,
    started_at: iso(started),
    completed_at: iso(started + 30_000),
  };
  writeFileSync(path.join(dir, template.name), `${JSON.stringify(envelope)}\n`);
  const bound = new Date(started + boundOffsetMs);
  utimesSync(dir, bound, bound);
  return runId;
}

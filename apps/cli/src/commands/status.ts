import path from "node:path";
import { MillraceError, PLANES, type StatusReport } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { type Paint, paintStatus } from "../color.js";
import { keyValueLines, type MillraceCommand } from "../command.js";
import { listenForInterrupt, sleepUnlessAborted } from "../interrupt.js";
import { type CommandContext, formatValue } from "../io.js";

interface StatusArgs {
  action: "show" | "watch";
  workspaces?: string[];
  "interval-seconds": number;
  "max-updates"?: number;
}

function pairs(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(" ");
}

/** One line per lane, per waiting item and per kept worktree (docs/lanes.md). */
function lanesLines(
  lanes: NonNullable<StatusReport["lanes"]>,
  add: (key: string, value: unknown) => void,
): void {
  add("lanes", `${lanes.active.length}/${lanes.configured} in use, landing ${lanes.landing}`);
  for (const lane of lanes.active) {
    add(
      "lane",
      pairs({
        lane: lane.lane,
        item: lane.item_id,
        stage: lane.stage ?? "-",
        elapsed: lane.elapsed_seconds === null ? "-" : `${Math.round(lane.elapsed_seconds)}s`,
        liveness: lane.liveness,
        ...(lane.stage_liveness ? { grade: lane.stage_liveness.grade } : {}),
        branch: lane.branch,
      }),
    );
  }
  for (const wait of lanes.waiting) {
    add(
      "lane_waiting",
      pairs({ item: wait.item_id, waits_for_lane: wait.waits_for_lane, behind: wait.waits_for_item }),
    );
  }
  for (const id of lanes.kept) add("lane_kept", `${id} (worktree and branch millrace/${id} kept)`);
}

/** The text form of a status report: `key: value` lines, repeated keys for lists. */
export function statusLines(report: StatusReport): string {
  const lines: string[] = [];
  const add = (key: string, value: unknown) => lines.push(`${key}: ${formatValue(value)}`);
  add("workspace", report.workspace);
  if (report.snapshot_state !== "ok") add("snapshot", `${report.snapshot_state} (${report.snapshot_error})`);
  add("runtime_mode", report.runtime_mode);
  add("process_running", report.process_running);
  const lock = report.runtime_ownership_lock;
  add("runtime_ownership_lock", lock.state);
  if (lock.owner_pid !== null) {
    add(
      "runtime_ownership_lock_owner",
      pairs({
        pid: lock.owner_pid,
        host: lock.owner_hostname,
        session: lock.owner_session_id,
        since: lock.acquired_at,
      }),
    );
  }
  if (lock.reason) add("runtime_ownership_lock_reason", lock.reason);
  add("paused", report.paused);
  add("pause_sources", report.pause_sources);
  if (report.runner_pause) {
    const held = report.runner_pause;
    add(
      "runner_pause",
      pairs({
        runner: held.runner,
        failure_class: held.failure_class,
        held: `${held.plane}/${held.stage}`,
        run: held.run_id,
        since: held.since,
      }),
    );
    add("runner_pause_reason", held.reason);
  }
  add("stop_requested", report.stop_requested);
  add("active_mode_id", report.active_mode_id);
  add("compiled_plan_id", report.compiled_plan_id);
  const currentness = report.compiled_plan_currentness;
  add("compiled_plan_currentness", currentness.state);
  if (currentness.state === "last_known_good") {
    add("plan", `last known good (reload failed: ${currentness.reload_error ?? "unknown reason"})`);
  }
  for (const reason of currentness.reasons) add("compiled_plan_currentness_reason", reason);
  if (currentness.error) add("compiled_plan_currentness_error", currentness.error);
  if (currentness.expected) add("compile_input", pairs(currentness.expected));
  if (currentness.persisted) add("persisted_compile_input", pairs(currentness.persisted));
  add("active_run_count", report.active_run_count);
  for (const plane of PLANES) add(`queue_depth_${plane}`, report.planes[plane].queue_depth);
  for (const plane of PLANES) add(`${plane}_status_marker`, report.planes[plane].status_marker);
  for (const plane of PLANES) {
    const run = report.planes[plane].active_run;
    if (!run) continue;
    add(
      "active_run",
      pairs({
        plane: run.plane,
        stage: run.stage,
        node: run.node_id,
        stage_kind: run.stage_kind_id,
        request_kind: run.request_kind,
        work_item_kind: run.work_item_kind,
        work_item_id: run.work_item_id,
        ...(run.closure_target_root_spec_id ? { root_spec: run.closure_target_root_spec_id } : {}),
        run: run.run_id,
        since: run.active_since,
      }),
    );
  }
  if (report.current_failure_class) {
    add("current_failure_class", report.current_failure_class);
    for (const [name, count] of Object.entries(report.counters)) if (count > 0) add(name, count);
  }
  add("last_terminal_result", report.last_terminal_result);
  add("last_stage_result_path", report.last_stage_result_path);
  add("baseline_manifest_id", report.baseline_manifest_id);
  add("baseline_seed_package_version", report.baseline_seed_package_version);
  add("closure_target_state", report.closure.state);
  for (const target of report.closure.open_targets) {
    add(
      "closure_target",
      pairs({
        root_spec_id: target.root_spec_id,
        root_idea_id: target.root_idea_id,
        blocked_by_lineage_work: target.closure_blocked_by_lineage_work,
        blocking: target.blocking_work_ids,
        opened_at: target.opened_at,
      }),
    );
  }
  for (const problem of report.closure.invalid_files)
    add("closure_target_invalid", `${problem.path} ${problem.error}`);
  const governance = report.usage_governance;
  add("usage_governance_enabled", governance.enabled);
  add("usage_governance_paused", governance.paused);
  if (governance.blocker_count > 0 || governance.paused) {
    add("usage_governance_blocker_count", governance.blocker_count);
    add("usage_governance_auto_resume_possible", governance.auto_resume_possible);
    add("usage_governance_next_auto_resume_at", governance.next_auto_resume_at);
  }
  for (const b of governance.blockers ?? []) {
    add(
      "usage_governance_blocker",
      pairs({
        source: b.source,
        rule: b.rule_id,
        window: b.window,
        observed: b.observed,
        threshold: b.threshold,
      }),
    );
  }
  for (const item of report.awaiting_operator ?? []) {
    add(
      "awaiting_operator",
      `${item.work_item_kind} ${item.work_item_id} question ${item.question_id}; answer: millrace interview answer ${item.question_id} --text <answer> (or accept / skip)`,
    );
  }
  for (const item of governance.parked ?? []) {
    add(
      "parked",
      `${item.work_item_id} ${item.released_at ? `released ${item.released_at}` : `${item.reason}; release: ${item.release_command}`}`,
    );
  }
  if (report.runtime_error) {
    const error = report.runtime_error;
    add(
      "runtime_error",
      pairs({
        code: error.error_code,
        plane: error.plane,
        failed_stage: error.failed_stage,
        repair_stage: error.repair_stage,
        run: error.run_id,
        report: error.report_path,
      }),
    );
  }
  if (report.lanes) lanesLines(report.lanes, add);
  const liveness = report.liveness;
  add("liveness", liveness.grade);
  if (liveness.stages.length > 0) add("liveness_summary", liveness.summary);
  for (const stage of liveness.stages) {
    add(
      "liveness_stage",
      pairs({
        plane: stage.plane,
        ...(stage.lane === undefined ? {} : { lane: stage.lane }),
        stage: stage.stage,
        grade: stage.grade,
        process: stage.process,
        silent: `${stage.silent_seconds}s`,
        quiet_after: `${stage.quiet_after_seconds}s`,
        hang_after: `${stage.hang_after_seconds}s`,
        work_item_id: stage.work_item_id,
        run: stage.run_id,
      }),
    );
  }
  add("updated_at", report.updated_at);
  return `${lines.join("\n")}\n`;
}

function usage(message: string, hint: string): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}

/** `key: value` lines with the key in cyan and one-word values coloured by meaning (colour on only). */
export function paintLines(text: string, paint: Paint): string {
  if (!paint.enabled) return text;
  return text.replace(/^([a-z0-9_.]+): (.*)$/gm, (_line, key: string, value: string) => {
    return `${paint.cyan(key)}: ${/^\S+$/.test(value) ? paintStatus(paint, value) : value}`;
  });
}

/** Cursor home and clear screen: `status watch` on a terminal redraws in place, as `watch(1)` does. */
export const REDRAW = "\u001b[H\u001b[2J";

/**
 * The status read model is loaded only when a status command runs, so other commands do not pay for
 * it at start-up; and from its own entry, so status does not load the run, trace and compounding
 * read models (and their schemas) that share the read-models entry.
 */
async function loadReadStatus() {
  return (await import("@millrace/scheduler/status")).readStatus;
}

async function watch(args: StatusArgs, ctx: CommandContext): Promise<number> {
  const interval = args["interval-seconds"];
  if (!Number.isFinite(interval) || interval < 0) {
    throw usage(
      `--interval-seconds must be a number >= 0, got ${interval}`,
      "Pass e.g. --interval-seconds 2.",
    );
  }
  const max = args["max-updates"];
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw usage(
      `--max-updates must be a whole number >= 1, got ${max}`,
      "Pass e.g. --max-updates 10, or omit it to watch until interrupted.",
    );
  }
  const given = args.workspaces && args.workspaces.length > 0 ? args.workspaces : [ctx.workspace];
  const roots = [...new Set(given.map((root) => path.resolve(ctx.io.cwd, root)))];
  for (const root of roots) requireInitialized(root);
  const readStatus = await loadReadStatus();
  const redraw = Boolean(ctx.io.isTTY) && !ctx.json;
  const interrupt = listenForInterrupt();
  try {
    return await watchLoop({ roots, interval, max, redraw, readStatus, signal: interrupt.signal }, ctx).then(
      () => interrupt.exitStatus() ?? 0,
    );
  } finally {
    interrupt.dispose();
  }
}

interface WatchLoop {
  roots: string[];
  interval: number;
  max: number | undefined;
  redraw: boolean;
  readStatus: Awaited<ReturnType<typeof loadReadStatus>>;
  signal: AbortSignal;
}

async function watchLoop(loop: WatchLoop, ctx: CommandContext): Promise<void> {
  const { roots, interval, max, redraw, readStatus, signal } = loop;
  for (let update = 1; (max === undefined || update <= max) && !signal.aborted; update++) {
    const blocks: string[] = [];
    for (const root of roots) {
      let report: StatusReport | undefined;
      let failure: MillraceError | Error | undefined;
      try {
        report = readStatus(root);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
      if (ctx.json) {
        const value = report ?? {
          workspace: root,
          ...(MillraceError.isInstance(failure)
            ? failure.toJSON()
            : { error: { code: "internal_error", message: failure?.message, hint: "", details: {} } }),
        };
        ctx.io.stdout(`${JSON.stringify(value)}\n`);
      } else {
        blocks.push(
          report ? statusLines(report) : keyValueLines({ workspace: root, error: failure?.message }),
        );
      }
    }
    if (redraw) {
      const head = ctx.paint.dim(
        `millrace status watch: every ${interval}s, update ${update}${max ? ` of ${max}` : ""} (Ctrl-C to stop)`,
      );
      ctx.io.stdout(`${REDRAW}${head}\n\n${paintLines(blocks.join("\n"), ctx.paint)}`);
    } else if (!ctx.json) {
      ctx.io.stdout(`${update > 1 ? "\n" : ""}${paintLines(blocks.join("\n"), ctx.paint)}`);
    }
    if (max !== undefined && update >= max) break;
    await sleepUnlessAborted(interval * 1000, signal);
  }
}

/** `status` prints the status read model once; `status watch` repeats it for one or more workspaces. */
export const statusCommand: MillraceCommand<StatusArgs> = {
  command: "status [action] [workspaces..]",
  describe: "Show what the runtime is doing (read-only: no lock is taken); `status watch` repeats it",
  builder: (yargs) =>
    yargs
      .positional("action", {
        choices: ["show", "watch"] as const,
        default: "show",
        describe: "show: one status block; watch: a block per workspace every interval",
      })
      .positional("workspaces", {
        type: "string",
        array: true,
        describe: "watch: workspaces to watch (default --workspace)",
      })
      .option("interval-seconds", { type: "number", default: 1, describe: "watch: seconds between updates" })
      .option("max-updates", {
        type: "number",
        describe:
          "watch: stop after this many updates (default: until Ctrl-C; on a terminal it redraws in place)",
      }),
  examples: [
    ["$0 status", "One status block for the workspace in the current folder"],
    ["$0 status --json", "The status report as JSON"],
    ["$0 status watch ws-a ws-b --interval-seconds 5", "Watch two workspaces"],
  ],
  async handler(args, ctx) {
    // Checked here as well as by yargs, so a bad value never reaches a package call.
    if (args.action !== "show" && args.action !== "watch") {
      throw usage(
        `unknown status action ${JSON.stringify(args.action)}`,
        "Use `millrace status` or `millrace status watch`.",
      );
    }
    if (args.action === "watch") return watch(args, ctx);
    if (args.workspaces && args.workspaces.length > 0) {
      throw usage(
        `status show takes no workspace argument (got ${args.workspaces.join(" ")})`,
        "Use --workspace PATH, or `millrace status watch PATH...` for several workspaces.",
      );
    }
    requireInitialized(ctx.workspace);
    const report = (await loadReadStatus())(ctx.workspace);
    ctx.emit(() => paintLines(statusLines(report), ctx.paint), report);
    return 0;
  },
};

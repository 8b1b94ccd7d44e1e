import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { leanDaemonHeap } from "../daemon-heap.js";
import { idleHeapReducer } from "../idle-heap.js";
import { listenForInterrupt } from "../interrupt.js";
import type { CommandContext } from "../io.js";
import { type LiveDisplay, liveDisplay } from "./live-display.js";

interface RunArgs {
  mode_kind: "once" | "daemon";
  mode?: string;
  "max-ticks"?: number;
  "until-idle": boolean;
  monitor: string;
  "monitor-log"?: string;
}

type Scheduler = typeof import("@millrace/scheduler");

/** Routes basic-monitor lines to stdout (stderr under --json) and/or an appended log file. */
export function monitorSink(
  scheduler: Scheduler,
  ctx: CommandContext,
  options: { basic: boolean; logFile?: string | undefined },
): ((event: import("@millrace/scheduler").MonitorEvent) => void) | undefined {
  if (!options.basic && !options.logFile) return undefined;
  const formatter = new scheduler.BasicMonitorFormatter();
  if (options.logFile) mkdirSync(path.dirname(options.logFile), { recursive: true });
  return (event) => {
    const lines = formatter.format(event);
    if (lines.length === 0) return;
    const text = `${lines.join("\n")}\n`;
    if (options.basic) (ctx.json ? ctx.io.stderr : ctx.io.stdout)(text);
    if (options.logFile) appendFileSync(options.logFile, text);
  };
}

export const runCommand: MillraceCommand<RunArgs> = {
  command: "run <mode_kind>",
  describe: "Run the engine: one stage (`once`) or until stopped (`daemon`)",
  builder: (yargs) =>
    yargs
      .positional("mode_kind", {
        choices: ["once", "daemon"] as const,
        describe: "once: one tick; daemon: keep going",
      })
      .option("mode", { type: "string", describe: "Pin a mode for this run (default: runtime.default_mode)" })
      .option("max-ticks", { type: "number", describe: "daemon: stop after N scheduling cycles" })
      .option("until-idle", {
        type: "boolean",
        default: false,
        describe: "daemon: stop when there is nothing to do",
      })
      .option("monitor", {
        choices: ["none", "basic"],
        default: "none",
        describe: "Print a line per engine event",
      })
      .option("monitor-log", { type: "string", describe: "Append monitor lines to this file" }),
  examples: [
    ["$0 run once", "Run exactly one stage and exit"],
    ["$0 run daemon --until-idle --monitor basic", "Work until the queues are empty, printing each stage"],
    ["$0 run daemon --max-ticks 10 --json", "Ten scheduling cycles, then a JSON summary"],
  ],
  async handler(args, ctx) {
    if (args["max-ticks"] !== undefined && (!Number.isInteger(args["max-ticks"]) || args["max-ticks"] < 1)) {
      throw new MillraceError(
        "usage_invalid_argument",
        `--max-ticks must be a whole number >= 1, got ${args["max-ticks"]}`,
      );
    }
    // A daemon lives for weeks: keep its young generation small (daemon-heap.ts).
    if (args.mode_kind === "daemon") leanDaemonHeap();
    const scheduler = await import("@millrace/scheduler");
    const monitor = monitorSink(scheduler, ctx, {
      basic: args.monitor === "basic",
      logFile: args["monitor-log"] ? path.resolve(ctx.io.cwd, args["monitor-log"]) : undefined,
    });
    // On a terminal with no monitor chosen, the daemon shows live lines instead of nothing.
    const live: LiveDisplay | undefined =
      args.mode_kind === "daemon" && args.monitor === "none" && !ctx.json && ctx.io.isTTY
        ? liveDisplay(ctx)
        : undefined;
    // A daemon gives memory back once per idle spell (idle-heap.ts).
    const reducer = args.mode_kind === "daemon" ? idleHeapReducer() : undefined;
    const listeners = [monitor, live?.listener, reducer?.listener].filter((fn) => fn !== undefined);
    const engine = scheduler.createEngine({
      workspace: ctx.workspace,
      runtimeMode: args.mode_kind,
      watch: args.mode_kind === "daemon",
      ...(args.mode ? { mode: args.mode } : {}),
      ...(listeners.length > 0
        ? {
            monitor: (event: import("@millrace/scheduler").MonitorEvent) => {
              for (const fn of listeners) fn(event);
            },
          }
        : {}),
    });
    // Ctrl-C / SIGTERM stop a daemon at once: running stages are cut off and resume at the next start.
    const interrupt = listenForInterrupt();
    try {
      await engine.start();
      const plan = engine.context.plan;
      if (args.mode_kind === "once") {
        const outcome = await engine.tick();
        const failed = outcome.applied.some(
          (stage) =>
            stage.failureClass === "runner_transport_failure" ||
            stage.failureClass === "provider_failure" ||
            stage.failureClass === "runner_unavailable" ||
            stage.failureClass === "runner_auth_failure" ||
            stage.failureClass === "runner_timeout",
        );
        const summary = {
          run_mode: "once",
          active_mode_id: plan.mode_id,
          mode_override: args.mode ?? null,
          compiled_plan_id: plan.compiled_plan_id,
          tick_reason: outcome.reason,
          stages: outcome.applied.map((stage) => ({
            plane: stage.plane,
            stage: stage.stage,
            terminal_result: stage.terminalResult,
            failure_class: stage.failureClass,
            action: stage.action,
          })),
        };
        ctx.emit(
          () =>
            [
              "run_mode: once",
              `active_mode_id: ${summary.active_mode_id}`,
              `mode_override: ${summary.mode_override ?? "none"}`,
              `compiled_plan_id: ${summary.compiled_plan_id}`,
              `tick_reason: ${summary.tick_reason}`,
              ...summary.stages.map(
                (stage) =>
                  `stage: ${stage.plane}/${stage.stage} result=${stage.terminal_result} action=${stage.action ?? "none"}${stage.failure_class ? ` failure_class=${stage.failure_class}` : ""}`,
              ),
              "",
            ].join("\n"),
          summary,
        );
        return failed ? 1 : 0;
      }
      const report = await engine.runDaemon({
        ...(args["max-ticks"] !== undefined ? { maxTicks: args["max-ticks"] } : {}),
        untilIdle: args["until-idle"],
        signal: interrupt.signal,
      });
      live?.close();
      const summary = {
        run_mode: "daemon",
        active_mode_id: plan.mode_id,
        mode_override: args.mode ?? null,
        compiled_plan_id: plan.compiled_plan_id,
        ticks: report.ticks,
        stop_reason: report.stopReason,
        interrupted: report.stopReason === "interrupted",
      };
      ctx.emit(
        () =>
          `${[
            "run_mode: daemon",
            `active_mode_id: ${summary.active_mode_id}`,
            `mode_override: ${summary.mode_override ?? "none"}`,
            `compiled_plan_id: ${summary.compiled_plan_id}`,
            `ticks: ${summary.ticks}`,
            `stop_reason: ${summary.stop_reason}`,
            ...(summary.interrupted ? ["interrupted: true"] : []),
          ].join("\n")}\n`,
        summary,
      );
      // After a clean stop, the status a shell expects from a signal: 130 for SIGINT, 143 for SIGTERM.
      return summary.interrupted ? (interrupt.exitStatus() ?? 130) : 0;
    } finally {
      live?.close();
      reducer?.close();
      interrupt.dispose();
      await engine.close();
    }
  },
};

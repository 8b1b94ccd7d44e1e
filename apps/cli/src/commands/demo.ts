import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DemoKind } from "@millrace/scheduler";
import type { MillraceCommand } from "../command.js";
import { monitorSink } from "./run.js";

const DEMO_KINDS: readonly DemoKind[] = ["standard", "blueprint"];

interface DemoArgs {
  path?: string;
  mode?: DemoKind;
}

export const demoCommand: MillraceCommand<DemoArgs> = {
  command: "demo [path]",
  describe: "Create a demo workspace and drive it end to end with the scripted runner",
  builder: (yargs) =>
    yargs
      .positional("path", {
        type: "string",
        describe: "An empty folder for the demo (default: a new temp folder)",
      })
      .option("mode", {
        type: "string",
        choices: DEMO_KINDS,
        default: "standard",
        describe:
          "standard: planner and manager; blueprint: the blueprint_codex mode (drafts, contractor, evaluator)",
      }),
  examples: [
    ["$0 demo", "Plan, build, check and close a demo spec in a fresh temp folder"],
    ["$0 demo ./millrace-demo", "Keep the demo workspace in ./millrace-demo"],
    ["$0 demo --mode blueprint", "The same spec through blueprint planning: drafts, contractor, evaluator"],
  ],
  async handler(args, ctx) {
    const scheduler = await import("@millrace/scheduler");
    const target = args.path
      ? path.resolve(ctx.io.cwd, args.path)
      : path.join(mkdtempSync(path.join(os.tmpdir(), "millrace-demo-")), "workspace");
    const demo = scheduler.prepareDemoWorkspace(target, new Date(), { kind: args.mode ?? "standard" });
    if (!ctx.json) {
      ctx.line(`demo workspace: ${demo.root}`);
      ctx.line(`mode: ${demo.modeId}`);
      ctx.line(`queued: spec ${demo.specId}, task ${demo.taskId}`);
    }
    const monitor = monitorSink(scheduler, ctx, { basic: true });
    const engine = scheduler.createEngine({
      workspace: demo.root,
      runtimeMode: "daemon",
      ...(monitor ? { monitor } : {}),
    });
    try {
      const report = await engine.runDaemon({ untilIdle: true, maxTicks: 500 });
      await engine.close();
      const status = scheduler.readStatus(demo.root);
      const done = status.planes.execution;
      ctx.emit(
        () =>
          `${[
            "",
            `demo finished: ${report.ticks} cycles, stop_reason ${report.stopReason}`,
            `workspace: ${demo.root}`,
            `process_running: ${status.process_running}`,
            `queue_depth_execution: ${done.queue_depth}`,
            `execution_status_marker: ${status.planes.execution.status_marker}`,
            `planning_status_marker: ${status.planes.planning.status_marker}`,
            `next: millrace status --workspace ${demo.root}`,
            `      millrace runs ls --workspace ${demo.root}`,
          ].join("\n")}\n`,
        {
          workspace: demo.root,
          mode_id: demo.modeId,
          ticks: report.ticks,
          stop_reason: report.stopReason,
          status,
        },
      );
      return report.stopReason === "idle" ? 0 : 1;
    } finally {
      await engine.close();
    }
  },
};

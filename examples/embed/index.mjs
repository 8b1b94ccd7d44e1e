// Embeds the Millrace engine in-process: a throwaway workspace, a custom runner that answers
// every stage with its first legal marker, one task, and the engine run until it is idle.
// Exits 0 when the task ended in tasks/done/. Run it with `pnpm --filter @millrace/example-embed test`
// (or `node index.mjs` after `pnpm build`).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { STAGE_LEGALITY } from "@millrace/contracts";
import { buildTaskFromTitle, openQueueStore } from "@millrace/queue-store";
import { createEngine, readStatus } from "@millrace/scheduler";
import { initWorkspace, workspacePaths } from "@millrace/workspace";

/** A runner is a name plus `run(request, ctx)`; this one does no work and always succeeds. */
const echoRunner = {
  name: "echo_runner",
  async run(request, ctx) {
    const startedAt = ctx.clock();
    ctx.recordInvocation({ command: [] }); // nothing is launched
    // The legal markers come with the request, in order; the first is the stage's success outcome.
    const marker = request.legal_terminal_markers[0];
    writeFileSync(ctx.artifacts.stdout, `echo_runner handled ${request.stage}\n${marker}\n`);
    return {
      request_id: request.request_id,
      run_id: request.run_id,
      stage: request.stage,
      runner_name: "echo_runner",
      exit_kind: "completed",
      exit_code: 0,
      stdout_path: ctx.artifacts.stdout,
      started_at: startedAt.toISOString(),
      ended_at: ctx.clock().toISOString(),
    };
  },
  async preflight() {
    return { ok: true, problems: [] };
  },
};

const root = mkdtempSync(path.join(os.tmpdir(), "millrace-embed-"));
try {
  // 1. A workspace whose every stage uses the custom runner.
  initWorkspace(root);
  const paths = workspacePaths(root);
  const stages = [...new Set(STAGE_LEGALITY.map((entry) => entry.stageKindId))];
  writeFileSync(
    paths.configFile,
    [
      "[runtime]",
      "idle_sleep_seconds = 0.05",
      "",
      ...stages.flatMap((stage) => [`[stages.${stage}]`, 'runner = "echo_runner"', ""]),
    ].join("\n"),
  );

  // 2. One task in the queue.
  const store = openQueueStore(paths);
  const task = store.enqueue("task", buildTaskFromTitle({ title: "Say hello", id: "task-hello" }));
  store.close();
  console.log(`enqueued ${task.kind} ${task.id}`);

  // 3. The engine, with the runner added to its registry and a listener for monitor events.
  const engine = createEngine({
    workspace: root,
    runners: [echoRunner],
    monitor: (event) => {
      const { type, at: _at, ...rest } = event;
      const detail = Object.entries(rest)
        .filter(([, value]) => typeof value === "string" || typeof value === "number")
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      console.log(`event ${type} ${detail}`);
    },
  });
  let report;
  try {
    report = await engine.runDaemon({ untilIdle: true, maxTicks: 100 });
  } finally {
    await engine.close();
  }
  console.log(`daemon stopped: ${report.stopReason} after ${report.ticks} ticks`);

  // 4. Read the outcome back through the same read models `millrace status` uses.
  const status = readStatus(root);
  const doneStore = openQueueStore(paths);
  const where = doneStore.find("task-hello");
  doneStore.close();
  console.log(
    `task-hello is in ${where?.state ?? "nowhere"}; execution marker ${status.planes.execution.status_marker}`,
  );
  process.exitCode = where?.state === "done" ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}

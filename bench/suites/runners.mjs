// Dispatcher overhead per stage (DESIGN perf budget: < 10 ms in-process): the scripted runner
// in-process, the scripted runner as a node subprocess, and a no-op subprocess runner (`echo` of a
// marker) that isolates process control (own group, /proc leak sweep, artifacts, normalisation).
import { MillraceConfigSchema } from "@millrace/contracts";
import { createRunnerRegistry, dispatchStage, startProcess } from "@millrace/runners";
import { createStageFixture } from "@millrace/runners/testing";
import { median, report, time } from "../lib.mjs";

const ECHO = "/bin/echo";

function noopSubprocessAdapter() {
  return {
    name: "noop_subprocess",
    async run(request, ctx) {
      ctx.recordInvocation({ command: [ECHO, "### BUILDER_COMPLETE"], cwd: ctx.workspaceRoot });
      const outcome = await startProcess({
        command: ECHO,
        args: ["### BUILDER_COMPLETE"],
        cwd: ctx.workspaceRoot,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdin: { kind: "closed" },
        timeoutMs: 30_000,
        stdoutPath: ctx.artifacts.stdout,
        stderrPath: ctx.artifacts.stderr,
      }).outcome;
      return {
        request_id: request.request_id,
        run_id: request.run_id,
        stage: request.stage,
        runner_name: "noop_subprocess",
        exit_kind: outcome.exitCode === 0 ? "completed" : "runner_error",
        exit_code: outcome.exitCode,
        stdout_path: ctx.artifacts.stdout,
        stderr_path: ctx.artifacts.stderr,
        started_at: outcome.startedAt.toISOString(),
        ended_at: outcome.endedAt.toISOString(),
      };
    },
  };
}

async function measure(label, count, runner, scriptOptions = {}, dispatchOptions = {}) {
  const fx = createStageFixture("builder");
  const script = fx.writeScript({
    rules: [{ stage: "builder", actions: [{ type: "marker", token: "BUILDER_COMPLETE" }] }],
  });
  const config = MillraceConfigSchema.parse({
    runners: { default_runner: runner, scripted: { script, ...scriptOptions } },
  });
  const registry = createRunnerRegistry();
  registry.register(noopSubprocessAdapter());
  const env = { PATH: process.env.PATH };
  for (let i = 0; i < 5; i += 1) await dispatchStage(fx.nextRequest(), { registry, config, env }); // warm-up
  const samples = [];
  const total = await time(async () => {
    for (let i = 0; i < count; i += 1) {
      const request = fx.nextRequest();
      const one = await time(() => dispatchStage(request, { registry, config, env, ...dispatchOptions }));
      if (!one.value.envelope.success)
        throw new Error(`${label}: stage failed: ${one.value.envelope.notes.join("; ")}`);
      samples.push(one.ms);
    }
  });
  report(label, total.ms, count);
  report(`${label}, median`, median(samples));
}

await measure("dispatch: scripted runner, in-process", 500, "scripted");
// The same without the durable (fsync'd) stage-result write, to show the disk's share.
await measure(
  "dispatch: scripted in-process, no stage-result fsync",
  500,
  "scripted",
  {},
  { writeStageResult: false },
);
await measure("dispatch: no-op subprocess runner (/bin/echo)", 100, "noop_subprocess");
await measure("dispatch: scripted runner, node subprocess", 30, "scripted", { subprocess: true });

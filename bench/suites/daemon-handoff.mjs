// Stage handoff in the real daemon, measured the way issue 19 states it: the built CLI's
// `millrace run daemon --until-idle` drives N tasks × 3 stages through the real Codex adapter, whose
// `codex` is an instant POSIX shell script speaking `codex exec --json` (shell builtins only: no
// other process). The figure is the time per stage (one stage_completed to the next, from the event
// log) minus the fake's own time, which is measured apart: the same script spawned with a stage's
// prompt on stdin, interleaved with `node -e 0` for the floor. Unlike the engine suite's case (b),
// which subtracts the adapter's whole reported duration, this counts everything Millrace does
// around the agent: spawning it, containment, its output, the leftover scan, and the engine.
// The figure is also split at the adapter's reported duration (its started_at / ended_at):
//   engine  = per stage minus the adapter's duration (claim, apply, commits, prompt)
//   adapter = the adapter's duration minus the fake's own time (spawn path, streams, scans)
// Linux and macOS (needs /bin/sh). Knobs: BENCH_HANDOFF_TASKS (default 100), BENCH_HANDOFF_FAKE_RUNS
// (default 40), BENCH_HANDOFF_NODE_OPTIONS (extra node flags for the daemon process).
// Run: node bench/run.mjs --suite daemon-handoff
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { eventLogStart, readEventsFrom, workspacePaths } from "@millrace/workspace";
import { benchTaskDoc, median, paired, quantile, report, spawnMs } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, "../../apps/cli/dist/bin.cjs");
const TASKS = Number.parseInt(process.env.BENCH_HANDOFF_TASKS ?? "100", 10);
const FAKE_RUNS = Number.parseInt(process.env.BENCH_HANDOFF_FAKE_RUNS ?? "40", 10);
const BUDGET_MS = 3;
const EXTRA_NODE = (process.env.BENCH_HANDOFF_NODE_OPTIONS ?? "").split(" ").filter(Boolean);

/**
 * `codex exec --json` in shell builtins: answers `--version` and `sandbox -- CMD` as the real CLI
 * does, reads the prompt from stdin, picks the stage's first legal marker from it, prints the JSONL
 * events of one turn and writes the last message where `--output-last-message` says.
 */
const FAKE_CODEX = `#!/bin/sh
case "$1" in
  --version|-V) echo "codex-cli 0.169.0"; exit 0 ;;
  sandbox) shift; [ "$1" = "--" ] && shift; exec "$@" ;;
esac
out=""
while [ $# -gt 0 ]; do
  case "$1" in --output-last-message|-o) out="$2"; shift ;; esac
  shift
done
marker=""
while IFS= read -r line; do
  case "$line" in
    *"legal markers for this stage are:"*) rest="\${line#*\\\`### }"; marker="### \${rest%%\\\`*}" ;;
  esac
done
[ -n "$marker" ] || marker="### BLOCKED"
printf '%s\\n' '{"type":"thread.started","thread_id":"bench"}' '{"type":"turn.started"}'
printf '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done.\\\\n%s"}}\\n' "$marker"
printf '%s\\n' '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":2}}'
[ -n "$out" ] && printf 'Done.\\n%s\\n' "$marker" > "$out"
exit 0
`;

function cli(root, args) {
  const run = spawnSync(process.execPath, [...EXTRA_NODE, BIN, "-w", root, ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`millrace ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return run;
}

/** A fresh workspace whose Codex runner is the fake, with `tasks` queued. */
function workspace(dir, fake, tasks) {
  const root = path.join(dir, "ws");
  const init = spawnSync(process.execPath, [BIN, "init", root], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`millrace init failed: ${init.stderr}`);
  const paths = workspacePaths(root);
  const config = readFileSync(paths.configFile, "utf8");
  const commandLine = '# command = "codex"\n';
  if (!config.includes(commandLine))
    throw new Error("the default config no longer has the codex command line");
  writeFileSync(
    paths.configFile,
    `${config.replace(commandLine, `command = ${JSON.stringify(fake)}\n`)}\n[runners.codex.env]\nCODEX_API_KEY = "sk-bench"\n`,
  );
  const store = openQueueStore(paths);
  for (let i = 0; i < tasks; i += 1) store.enqueue("task", benchTaskDoc(i));
  store.flush();
  return { root, paths };
}

/**
 * Stage events of the run, in log order. A long run rotates the log: the read starts at its oldest
 * segment (the daemon has exited, so no rotation is still settling: no grace period).
 */
function stageEvents(paths) {
  const { events } = readEventsFrom(paths.runtimeEvents, eventLogStart(paths.runtimeEvents), { graceMs: 0 });
  return events.filter(
    (event) => event.event_type === "stage_started" || event.event_type === "stage_completed",
  );
}

const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-handoff-"));
try {
  const fake = path.join(dir, "codex");
  writeFileSync(fake, FAKE_CODEX);
  chmodSync(fake, 0o755);
  const { root, paths } = workspace(dir, fake, TASKS);

  const started = performance.now();
  cli(root, ["run", "daemon", "--until-idle"]);
  const wall = performance.now() - started;

  const events = stageEvents(paths);
  const completed = events.filter((event) => event.event_type === "stage_completed");
  if (completed.length !== TASKS * 3)
    throw new Error(`expected ${TASKS * 3} completed stages, the log has ${completed.length}`);
  const bad = completed.filter((event) => event.data.result_class !== "success");
  if (bad.length > 0) throw new Error(`${bad.length} stages did not succeed: ${JSON.stringify(bad[0].data)}`);
  const at = (event) => Date.parse(event.occurred_at);
  const perStage = [];
  const adapter = [];
  for (let i = 1; i < completed.length; i += 1) {
    perStage.push(at(completed[i]) - at(completed[i - 1]));
    adapter.push(completed[i].data.duration_seconds * 1000);
  }

  // The fake's own time: the same script with a real stage prompt on stdin, as the adapter runs it,
  // interleaved with `node -e 0`.
  const runDir = path.join(
    paths.runs,
    readdirSync(paths.runs).find((name) => name.startsWith("run-")),
  );
  const prompt = readFileSync(
    path.join(
      runDir,
      readdirSync(runDir).find((name) => name.startsWith("runner_prompt.")),
    ),
    "utf8",
  );
  const last = path.join(dir, "last-message.txt");
  const fakeArgs = ["exec", "--json", "--output-last-message", last, "-"];
  const fakeMs = () => {
    const begun = performance.now();
    const run = spawnSync(fake, fakeArgs, { input: prompt, encoding: "utf8" });
    if (run.status !== 0 || !run.stdout.includes("### ")) throw new Error(`the fake failed: ${run.stderr}`);
    return performance.now() - begun;
  };
  const [own, floorRun] = await paired(
    [
      { label: "fake codex", run: fakeMs },
      { label: "node -e 0", run: () => spawnMs(["-e", "0"]) },
    ],
    { rounds: FAKE_RUNS },
  );

  const p50 = median(perStage);
  const fakeOwn = own.median;
  const overhead = p50 - fakeOwn;
  const engine = p50 - median(adapter);
  const adapterOverhead = median(adapter) - fakeOwn;
  console.log(
    `the real daemon, Codex adapter, instant shell codex: ${TASKS} tasks × 3 stages, ${(wall / 1000).toFixed(2)} s from start to exit`,
  );
  report("per stage (stage_completed to the next), p50", p50);
  console.log(
    `  (p90 ${quantile(perStage, 0.9).toFixed(1)} ms; node -e 0 beside the fake: ${floorRun.median.toFixed(1)} ms)`,
  );
  // Flat with history: the first and the last fifth of the run's stages, side by side.
  const fifth = Math.max(1, Math.floor(perStage.length / 5));
  console.log(
    `  (p50 of the first fifth of the stages ${median(perStage.slice(0, fifth)).toFixed(1)} ms, of the last fifth ${median(perStage.slice(-fifth)).toFixed(1)} ms)`,
  );
  report("the fake codex's own time, spawned alone, p50", fakeOwn);
  report("per stage minus the fake's own time, p50", overhead);
  report("  engine part: per stage minus the adapter's duration", engine);
  report("  adapter part: its duration minus the fake's own time", adapterOverhead);
  console.log(
    `per stage minus the fake's own time: ${overhead.toFixed(1)} ms, budget < ${BUDGET_MS} ms: ${overhead < BUDGET_MS ? "within" : "OVER"}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

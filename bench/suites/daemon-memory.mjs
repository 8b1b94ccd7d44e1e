// Daemon memory (issue 19 item 3: a lean daemon). Starts the real daemon, the built CLI's
// `millrace run daemon` (watchers on, as an operator runs it), on a `demo` workspace whose tasks
// the in-process scripted runner answers at once, so the run is all engine. It completes a first
// batch of tasks, lets the daemon idle, samples its RSS (VmRSS of /proc/<pid>/status) and its open
// file descriptors (/proc/<pid>/fd); then queues the rest, waits again, and samples again.
// Linux only (it reads /proc); elsewhere it prints a note and records nothing.
// Knobs: BENCH_DAEMON_TASKS (default "100,10000": completed tasks at each sample),
// BENCH_DAEMON_IDLE_S (default 3: idle seconds before a sample),
// BENCH_DAEMON_NODE_OPTIONS (extra node flags for the daemon process, to compare V8 settings),
// BENCH_DAEMON_CANDIDATES=1 (each builder and checker stage ends with a procedure-like message, as
// an agent's does, so compounding records two run candidates a task and flushes them: the store
// grows about six files a task, and the figures are recorded "with compounding candidates").
// Run: node bench/run.mjs --suite daemon-memory
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { record, runFloor } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, "../../apps/cli/dist/bin.cjs");
const CHECKPOINTS = (process.env.BENCH_DAEMON_TASKS ?? "100,10000")
  .split(",")
  .map((n) => Number.parseInt(n, 10))
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
// 8 s: the daemon gives memory back 2 s after it goes idle (apps/cli/src/idle-heap.ts) and V8 unmaps
// the emptied pages in the background after that; a 3 s sample caught it half way (docs/performance.md).
const IDLE_MS = Number.parseFloat(process.env.BENCH_DAEMON_IDLE_S ?? "8") * 1000;
const EXTRA_NODE = (process.env.BENCH_DAEMON_NODE_OPTIONS ?? "").split(" ").filter(Boolean);
const CANDIDATES = process.env.BENCH_DAEMON_CANDIDATES === "1";
const LABEL = CANDIDATES ? ", with compounding candidates" : "";

/** A final message the extractor keeps: a heading, a summary paragraph, steps, then the marker. */
function procedureRule(stage, marker) {
  const steps = Array.from(
    { length: 12 },
    (_, i) =>
      `${i + 1}. Step ${i + 1} of the ${stage} routine for {{work_item_id}}: check the inputs, run the command, compare the output with the expected one.`,
  );
  return {
    stage,
    actions: [
      {
        type: "print",
        text: `## How the ${stage} handled {{work_item_id}}\n\nThe ${stage} read the task, ran the checks and recorded the results in the run folder.\n\n${steps.join("\n")}\n`,
      },
      { type: "marker", token: marker },
    ],
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function workspace() {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-daemon-mem-"));
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.2\n\n[runners.scripted]\nscript = "scripted/bench-script.json"\n`,
  );
  mkdirSync(path.join(paths.runtimeRoot, "scripted"), { recursive: true });
  const rules = CANDIDATES
    ? [procedureRule("builder", "BUILDER_COMPLETE"), procedureRule("checker", "CHECKER_PASS")]
    : [];
  writeFileSync(path.join(paths.runtimeRoot, "scripted", "bench-script.json"), JSON.stringify({ rules }));
  return { root, paths };
}

function enqueue(paths, from, to) {
  const store = openQueueStore(paths);
  for (let index = from; index < to; index += 1) {
    store.enqueue("task", {
      kind: "task",
      task_id: `task-mem-${String(index).padStart(6, "0")}`,
      title: `Memory bench task ${index}`,
      summary: `Memory benchmark task ${index}`,
      target_paths: ["src/"],
      acceptance: ["it works"],
      required_checks: ["true"],
      references: ["none"],
      risk: ["low"],
      created_at: "2026-04-28T10:00:00Z",
      created_by: "bench",
    });
  }
  store.close();
}

function doneCount(paths) {
  const dir = paths.queues.task.done;
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".md")).length : 0;
}

/** Resident set and open descriptors of a live process, from /proc. */
function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number.parseInt(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? "0", 10);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** RSS of `node -e <keep alive>`: the floor any node process pays. */
async function nodeRssFloor() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  await sleep(1000);
  const floor = sample(child.pid);
  child.kill();
  return floor;
}

async function waitFor(paths, target, child) {
  while (doneCount(paths) < target) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `the daemon exited (${child.exitCode ?? child.signalCode}) before ${target} tasks were done`,
      );
    await sleep(500);
  }
}

if (process.platform !== "linux") {
  console.log("daemon-memory: reads /proc, Linux only; skipped");
} else if (!existsSync(BIN)) {
  console.error(`daemon-memory: ${BIN} is missing\nhint: npx pnpm@10.34.8 turbo run build`);
  process.exit(1);
} else {
  const floor = await nodeRssFloor();
  const { root, paths } = workspace();
  let stderr = "";
  let child;
  try {
    enqueue(paths, 0, CHECKPOINTS[0]);
    child = spawn(process.execPath, [...EXTRA_NODE, BIN, "run", "daemon", "-w", root], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const rows = [];
    let queued = CHECKPOINTS[0];
    for (const checkpoint of CHECKPOINTS) {
      if (checkpoint > queued) {
        enqueue(paths, queued, checkpoint);
        queued = checkpoint;
      }
      const started = Date.now();
      await waitFor(paths, checkpoint, child);
      const wallS = (Date.now() - started) / 1000;
      await sleep(IDLE_MS);
      rows.push({ tasks: checkpoint, wallS, ...sample(child.pid) });
    }
    console.log(
      `daemon (millrace run daemon, scripted runner in-process, demo mode: 3 stages a task${LABEL})${EXTRA_NODE.length ? `, node ${EXTRA_NODE.join(" ")}` : ""}`,
    );
    console.log(
      `  node idle process RSS floor: ${floor.rssMb.toFixed(1)} MB, ${floor.fds} fds   (node -e 0 floor: ${runFloor().toFixed(1)} ms)`,
    );
    for (const row of rows) {
      console.log(
        `  after ${String(row.tasks).padStart(6)} tasks (+${row.wallS.toFixed(0)} s) idle ${IDLE_MS / 1000} s: RSS ${row.rssMb.toFixed(1)} MB (${(row.rssMb / floor.rssMb).toFixed(2)}× floor), peak ${row.hwmMb.toFixed(1)} MB, open fds ${row.fds}`,
      );
      record(`daemon idle RSS after ${row.tasks} tasks${LABEL}`, row.rssMb, { unit: "MB" });
      record(`daemon open fds after ${row.tasks} tasks${LABEL}`, row.fds, { unit: "fds" });
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (rows.length > 1) {
      const growth = (last.rssMb / first.rssMb - 1) * 100;
      console.log(
        `  RSS growth ${first.tasks} -> ${last.tasks} tasks: ${growth.toFixed(1)} % (goal: within 10 %, at most 60 MB)`,
      );
      console.log(`  fds ${first.tasks} -> ${last.tasks} tasks: ${first.fds} -> ${last.fds} (goal: flat)`);
    }
    record("node idle process RSS floor", floor.rssMb, { unit: "MB" });
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      // An idle daemon stops cleanly on SIGTERM; one still busy with an in-process runner may not
      // get to its signal handler, so it is killed after a grace period.
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const grace = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(grace);
    }
    if (stderr.trim()) console.log(`daemon stderr:\n${stderr.trim().split("\n").slice(-5).join("\n")}`);
    rmSync(root, { recursive: true, force: true });
  }
}

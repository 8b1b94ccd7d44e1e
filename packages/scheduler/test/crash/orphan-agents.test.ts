import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask, writeScript } from "../fixtures.js";
import { CHILD_SCRIPT, endStateViolations, runChild, taskId } from "./harness.js";

/*
 * Issue 11, break 1: with a subprocess runner whose stage sleeps, a kill -9 of the daemon used to
 * leave the agent running (re-parented to pid 1) while the restarted daemon ran the same task again
 * beside it. Now the agent dies with its daemon (parent-death signal), anything of that stage that
 * survives is reaped at the next start before re-dispatch, and the task completes exactly once.
 */

const TAG_ENV = "MILLRACE_STAGE_PROCESS_TAG";

/** Pids of live processes that carry a stage tag whose run folder is under `root`. */
function stageProcessesOf(root: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, "latin1");
    } catch {
      continue;
    }
    const vars = environ.split("\0");
    if (!vars.some((entry) => entry.startsWith(`${TAG_ENV}=`))) continue;
    if (vars.some((entry) => entry.includes(root))) found.push(Number(name));
  }
  return found;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(process.platform !== "linux")("agents do not outlive a killed daemon", () => {
  it("kill -9 mid-stage: no process of that stage is left after restart, and the task runs once", async () => {
    const ws = demoWorkspace(
      {
        rules: [
          {
            stage: "builder",
            actions: [
              { type: "sleep", ms: 60_000 },
              { type: "marker", token: "BUILDER_COMPLETE" },
            ],
          },
        ],
      },
      "subprocess = true\n",
    );
    enqueueTask(ws, "task-orphan");
    const daemon = spawn(process.execPath, [CHILD_SCRIPT, ws.root], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env },
    });
    let stdout = "";
    daemon.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<void>((resolve) => daemon.on("close", () => resolve()));
    await waitFor(() => stdout.includes("stage_started builder"), 30_000).catch((error) => {
      throw new Error(`${error.message}; daemon said: ${stdout}`);
    });
    await waitFor(() => stageProcessesOf(ws.root).length > 0, 10_000);

    daemon.kill("SIGKILL"); // the daemon only, not its process group
    await exited;
    // The agent goes with its daemon (or, where the platform cannot tie it, at the next start).
    writeScript(ws, {
      rules: [{ stage: "builder", actions: [{ type: "marker", token: "BUILDER_COMPLETE" }] }],
    });
    const second = await runChild(ws.root);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(stageProcessesOf(ws.root)).toEqual([]);

    const events = readFileSync(ws.paths.runtimeEvents, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event_type: string; data: Record<string, unknown> });
    const builderDone = events.filter(
      (event) => event.event_type === "stage_completed" && event.data.stage === "builder",
    );
    expect(builderDone).toHaveLength(1);
    expect(readdirSync(ws.paths.queues.task.done)).toEqual(["task-orphan.md"]);
  }, 120_000);

  /*
   * The random-kill variant (issue 11): a subprocess runner whose stages sleep, the daemon alone
   * SIGKILLed at random moments (its agents are not in the blast radius, as they would be in a real
   * crash of the daemon process), restarted each time. After every restart no agent of an earlier
   * life may still run, and at the end every task is done exactly once.
   */
  const KILLS = Number.parseInt(process.env.MILLRACE_ORPHAN_KILLS ?? "50", 10);
  it(`after ${KILLS} daemon-only SIGKILLs mid-run: no orphan agent, each task done once`, async () => {
    // Stages long enough that an agent left behind by a killed daemon would still be running when
    // the next life starts.
    const sleep = { type: "sleep" as const, ms: 1200 };
    const stage = (name: string, token: string) => ({
      stage: name,
      actions: [sleep, { type: "marker" as const, token }],
    });
    const ws = demoWorkspace(
      {
        rules: [
          stage("builder", "BUILDER_COMPLETE"),
          stage("checker", "CHECKER_PASS"),
          stage("updater", "UPDATE_COMPLETE"),
        ],
      },
      "subprocess = true\n",
    );
    const tasks = Array.from({ length: 8 }, (_, index) => taskId(index));
    for (const id of tasks) enqueueTask(ws, id);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let kills = 0;
    let finished = false;
    const leftovers: string[] = [];
    while (!finished) {
      const daemon = spawn(process.execPath, [CHILD_SCRIPT, ws.root], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      daemon.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      daemon.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const closed = new Promise<number | null>((resolve) => daemon.on("close", (code) => resolve(code)));
      if (kills < KILLS) {
        await waitFor(() => stdout.includes("runtime_started") || daemon.exitCode !== null, 30_000);
        // Everything a previous life left running is gone once this one has started.
        const stale = stageProcessesOf(ws.root).filter((pid) => pid !== daemon.pid);
        if (stdout.includes("runtime_started") && stale.length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const still = stale.filter(
            (pid) => stageProcessesOf(ws.root).includes(pid) && !isChildOf(pid, daemon.pid),
          );
          if (still.length > 0) leftovers.push(`after kill ${kills}: ${still.join(",")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(random() * 1900)));
        if (daemon.exitCode === null) {
          daemon.kill("SIGKILL");
          kills += 1;
        }
      }
      const code = await closed;
      if (code === 0 && stdout.includes("DONE")) finished = true;
      else if (code !== null && code !== 0) throw new Error(`daemon life failed (${code}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leftovers).toEqual([]);
    expect(stageProcessesOf(ws.root)).toEqual([]);
    expect(endStateViolations(ws.paths, tasks, tasks.length * 3)).toEqual([]);
    expect(readdirSync(ws.paths.queues.task.done).sort()).toEqual(tasks.map((id) => `${id}.md`).sort());
  }, 600_000);
});

/** Whether `pid` descends from `ancestor` (the current life's own agents are allowed to run). */
function isChildOf(pid: number, ancestor: number | undefined): boolean {
  let current = pid;
  for (let hops = 0; hops < 16 && current > 1; hops++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${current}/stat`, "utf8");
    } catch {
      return false;
    }
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === ancestor) return true;
    current = parent;
  }
  return false;
}

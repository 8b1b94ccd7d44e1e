import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask, writeScript } from "../fixtures.js";
import { CHILD_SCRIPT, runChild } from "./harness.js";

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
});

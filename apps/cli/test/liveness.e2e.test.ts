import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StatusReportSchema } from "@millrace/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";
import { hashTree } from "./wshash.js";

const children: ChildProcess[] = [];
const agents: number[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const pid of agents.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function workspace(config: string): { root: string; rt: string } {
  const root = path.join(tempDir("millrace-liveness-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  const rt = path.join(root, "millrace-agents");
  writeFileSync(path.join(rt, "millrace.toml"), config);
  return { root, rt };
}

/** The pids of the agents recorded in state/stage_processes (spawned, not yet reaped). */
function recordedAgents(rt: string): number[] {
  const dir = path.join(rt, "state", "stage_processes");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .flatMap((name) => {
      try {
        const pid = JSON.parse(readFileSync(path.join(dir, name), "utf8")).child_pid;
        return typeof pid === "number" ? [pid] : [];
      } catch {
        return [];
      }
    });
}

describe("liveness in `millrace status`", () => {
  it("a killed daemon's active stage is orphaned (text line and --json field); idle before", async () => {
    const { root, rt } = workspace(
      '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/hang.json"\nsubprocess = true\n',
    );
    writeFileSync(
      path.join(rt, "scripted", "hang.json"),
      JSON.stringify({
        rules: [{ stage: "builder", actions: [{ type: "print", text: "working" }, { type: "hang" }] }],
      }),
    );
    const idle = StatusReportSchema.parse(runCli(["status", "--json", "-w", root]).json());
    expect(idle.liveness).toEqual({ grade: "idle", summary: "no stage is running", stages: [] });
    expect(runCli(["status", "-w", root]).stdout).toContain("liveness: idle\n");

    expect(runCli(["add-task", "Hangs", "--id", "task-hang", "-w", root]).status).toBe(0);
    const daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root, "--json"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    children.push(daemon);
    await waitFor(() => recordedAgents(rt).length > 0, 30_000);
    agents.push(...recordedAgents(rt));

    const live = StatusReportSchema.parse(runCli(["status", "--json", "-w", root]).json());
    expect(live.liveness.stages).toEqual([
      expect.objectContaining({
        plane: "execution",
        stage: "builder",
        work_item_id: "task-hang",
        process: "running",
      }),
    ]);
    expect(["progressing", "quiet"]).toContain(live.liveness.grade);

    const exited = new Promise((resolve) => daemon.on("exit", resolve));
    daemon.kill("SIGKILL");
    await exited;

    const report = StatusReportSchema.parse(runCli(["status", "--json", "-w", root]).json());
    expect(report.liveness.grade).toBe("orphaned");
    expect(report.liveness.summary).toMatch(
      new RegExp(
        `^orphaned: execution/builder: the daemon that owned the workspace \\(pid ${daemon.pid}\\) is gone`,
      ),
    );
    expect(report.liveness.stages[0]).toMatchObject({ grade: "orphaned", work_item_id: "task-hang" });
    const text = runCli(["status", "-w", root]).stdout;
    expect(text).toContain("liveness: orphaned\n");
    expect(text).toMatch(/^liveness_summary: orphaned: execution\/builder: the daemon .* is gone/m);
    expect(text).toMatch(/^liveness_stage: plane=execution stage=builder grade=orphaned /m);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      "an unknown key",
      "[liveness]\nquiet_after = 5\n",
      /unknown key `liveness\.quiet_after` at line 2; remove it/,
    ],
    [
      "a threshold out of range",
      "[liveness]\nquiet_after_seconds = 0.1\n",
      /`liveness\.quiet_after_seconds` at line 2 must be a number from 0\.5 to 604800 \(seconds\)/,
    ],
    [
      "a hang threshold below the quiet one",
      "[liveness]\nquiet_after_seconds = 60\nhang_after_seconds = 30\n",
      /`liveness\.hang_after_seconds` at line 3 is invalid: must be greater than quiet_after_seconds \(60\); got 30/,
    ],
    [
      "an unknown response",
      '[liveness.responses]\nhung = "reboot"\n',
      /`liveness\.responses\.hung` at line 2 must be one of/,
    ],
    [
      "notify with nowhere to send it",
      '[liveness.responses]\nhung = "notify"\n',
      /`liveness\.responses\.hung` .*is notify, but neither liveness\.notify_command nor liveness\.webhook_url is set/,
    ],
    [
      "a webhook that is not http(s)",
      '[liveness]\nwebhook_url = "file:///etc/passwd"\n',
      /`liveness\.webhook_url` at line 2 is invalid: must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      "a loop count that is not whole",
      "[liveness]\nloop_repeats = 2.5\n",
      /`liveness\.loop_repeats` at line 2 /,
    ],
  ];
  for (const [name, config, pattern] of bad) {
    it(`refuses ${name} with a one-line error and a hint; nothing changes`, () => {
      const { root } = workspace(config);
      const before = hashTree(root);
      const run = runCli(["config", "validate", "-w", root]);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(pattern);
      const show = runCli(["config", "show", "-w", root]);
      expect(show.status).toBe(1);
      const [first, second, ...rest] = show.stderr.split("\n");
      expect(first).toMatch(/^error: /);
      expect(first).toMatch(pattern);
      expect(second).toMatch(/^hint: /);
      expect(rest.join("")).toBe("");
      expect(hashTree(root)).toBe(before);
    });
  }
});

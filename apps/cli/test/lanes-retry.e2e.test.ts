import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

function git(root: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" },
  }).trim();
}

/** An initialized git workspace with two lanes; task-a's first builder writes a draft and hangs. */
function laneWorkspace(): string {
  const root = path.join(tempDir("millrace-lanes-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  git(root, "init", "--quiet", "--initial-branch=main");
  git(root, "config", "user.name", "Lane Test");
  git(root, "config", "user.email", "lanes@example.test");
  git(root, "config", "commit.gpgsign", "false");
  writeFileSync(path.join(root, ".gitignore"), "millrace-agents/\n");
  writeFileSync(path.join(root, "README.md"), "lanes\n");
  git(root, "add", "-A");
  git(root, "commit", "--quiet", "-m", "initial");
  const rt = path.join(root, "millrace-agents");
  writeFileSync(
    path.join(rt, "millrace.toml"),
    [
      "[runtime]",
      'default_mode = "demo"',
      "idle_sleep_seconds = 0.05",
      "",
      "[runners.scripted]",
      'script = "scripted/lanes.json"',
      "",
      "[execution]",
      "lanes = 2",
      "",
    ].join("\n"),
  );
  const write = (file: string, template: string) => ({
    type: "write_file",
    base: "workspace",
    path: file,
    template,
    overwrite: true,
  });
  writeFileSync(
    path.join(rt, "scripted", "lanes.json"),
    JSON.stringify({
      rules: [
        {
          stage: "builder",
          work_item_id: "task-a",
          attempt: 1,
          actions: [write("task-a-draft.txt", "draft\n"), { type: "hang" }],
        },
        {
          stage: "builder",
          actions: [
            { type: "sleep", ms: 200 },
            write("{{work_item_id}}.txt", "built\n"),
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    }),
  );
  for (const id of ["task-a", "task-b"]) {
    const file = path.join(root, `${id}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        kind: "task",
        task_id: id,
        title: `Task ${id}`,
        summary: `Do ${id}`,
        target_paths: [`${id}.txt`, `${id}-draft.txt`],
        acceptance: ["it works"],
        required_checks: ["true"],
        references: ["none"],
        risk: ["low"],
        created_at: "2026-04-28T10:00:00Z",
        created_by: "test",
      }),
    );
    expect(runCli(["queue", "add-task", file, "-w", root]).status).toBe(0);
  }
  return root;
}

const laneOf = (root: string, item: string) => {
  const file = path.join(root, "millrace-agents", "state", "lane_runs.json");
  if (!existsSync(file)) return undefined;
  const journal = JSON.parse(readFileSync(file, "utf8")) as {
    lanes: Array<{ lane: number; item_id: string; inflight: unknown }>;
  };
  return journal.lanes.find((lane) => lane.item_id === item);
};

describe("retry-active with execution lanes, through the built binary", () => {
  it("refuses unknown lanes and items with a hint, retries one lane's item through the daemon, grades lane stages", async () => {
    const root = laneWorkspace();
    const refused = runCli(["retry-active", "--lane", "3", "-w", root]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "error: no item is in execution lane 3\nhint: No execution lane holds an item now; `millrace status` lists the lanes on its `lane:` lines.\n",
    );
    const zero = runCli(["retry-active", "--lane", "0", "-w", root]);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/^error: retry_active payload\.lane: .*\nhint: .*--lane is a lane number/);
    const planning = runCli(["retry-active", "--item", "task-a", "--scope", "planning", "-w", root]);
    expect(planning.status).toBe(2);
    expect(planning.stderr).toMatch(
      /^error: --lane and --item name execution lanes, not the planning plane\n/,
    );

    const daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    daemon.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    try {
      // task-a's builder is out (and hangs) in its lane.
      await waitFor(() => Boolean(laneOf(root, "task-a")?.inflight), 30_000);
      const lane = laneOf(root, "task-a")?.lane as number;

      const status = runCli(["status", "--json", "-w", root]).json<{
        liveness: { stages: Array<{ lane?: number; work_item_id: string; grade: string }> };
        lanes: { active: Array<{ item_id: string; stage_liveness: { lane: number; grade: string } | null }> };
      }>();
      const graded = status.liveness.stages.find((stage) => stage.work_item_id === "task-a");
      expect(graded?.lane).toBe(lane);
      expect(status.lanes.active.find((entry) => entry.item_id === "task-a")?.stage_liveness).toMatchObject({
        lane,
        grade: graded?.grade,
      });
      expect(runCli(["status", "-w", root]).stdout).toMatch(
        new RegExp(`^liveness_stage: plane=execution lane=${lane} stage=builder grade=\\w+ `, "m"),
      );

      const unknown = runCli(["retry-active", "--item", "task-zz", "-w", root]);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(
        /^error: task-zz is not in an execution lane\nhint: Lanes in use: .*\(task-a\)/,
      );

      const retry = runCli([
        "retry-active",
        "--item",
        "task-a",
        "--reason",
        "e2e retry",
        "-w",
        root,
        "--json",
      ]);
      expect(retry.status, retry.stderr).toBe(0);
      expect(retry.json<{ mode: string; action: string }>()).toMatchObject({
        mode: "mailbox",
        action: "retry_active",
      });
      const done = path.join(root, "millrace-agents", "tasks", "done");
      await waitFor(
        () =>
          ["task-a", "task-b"].every((id) => existsSync(path.join(done, `${id}.md`))) &&
          !laneOf(root, "task-a"),
        60_000,
      );
      expect(runCli(["stop", "-w", root]).status).toBe(0);
      expect(await exited, out).toBe(0);
    } finally {
      daemon.kill("SIGKILL");
    }

    const events = readFileSync(path.join(root, "millrace-agents", "logs", "runtime_events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event_type: string; data: Record<string, unknown> });
    expect(
      events.filter((event) => event.event_type === "retry_active_applied").map((event) => event.data),
    ).toEqual([
      { plane: "execution", work_item_kind: "task", work_item_id: "task-a", reason: "e2e retry", lane: 1 },
    ]);
    // The retried item started over in its kept worktree: the stopped stage's draft landed with it.
    expect(git(root, "show", "main:task-a-draft.txt")).toBe("draft");
    expect(git(root, "show", "main:task-a.txt")).toBe("built");
    expect(git(root, "show", "main:task-b.txt")).toBe("built");
  }, 180_000);
});

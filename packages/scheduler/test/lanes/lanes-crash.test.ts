import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeMailboxCommand } from "../../src/index.js";
import { CHILD_SCRIPT, documentLocations, prng, readEventLog, runChild } from "../crash/harness.js";
import { enqueueTask } from "../fixtures.js";
import { git, laneLeftovers, laneWorkspace } from "./lane-fixture.js";

/*
 * Lanes crash harness: a 4-lane daemon in a child process runs 12 tasks (every stage sleeps, the
 * builder writes the task's own file in its worktree; every landing is a merge commit) while this
 * test SIGKILLs it at seeded random moments and starts it again; then one last life runs to the end.
 * Wherever a kill lands (claim, worktree creation, a stage out, a result written but not applied,
 * a landing half-done), every task must land exactly once: one merge commit per task, its file on
 * main, no lane branch, worktree or record left.
 *
 * Knobs: MILLRACE_LANE_CRASH_KILLS (default 12; the acceptance run uses 50), MILLRACE_LANE_CRASH_SEED.
 */

const TASKS = 12;
const KILLS = Number.parseInt(process.env.MILLRACE_LANE_CRASH_KILLS ?? "12", 10);
const SEED = Number.parseInt(
  process.env.MILLRACE_LANE_CRASH_SEED ?? String(Math.floor(Math.random() * 2 ** 31)),
  10,
);

/** One life, killed (whole process group) `ms` after it reported `runtime_started`, unless it ends first. */
function killedLife(root: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, root], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (!timer && out.includes("runtime_started")) {
        timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), "SIGKILL");
          } catch {
            // already gone
          }
        }, ms);
      }
    });
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", () => {
      if (timer) clearTimeout(timer);
      resolve(out);
    });
  });
}

/** One life, killed (whole process group) once `count` builder stages have started. */
function lifeKilledAfterStarts(root: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, root], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.split("stage_started builder").length - 1 >= count) {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          // already gone
        }
      }
    });
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", () => resolve());
  });
}

const SLEEP = { type: "sleep" as const, ms: 40 };

/** A scripted stage that sleeps, writes `file` in its worktree and ends with `token`. */
function writingStage(stage: string, file: string, template: string, token: string) {
  return {
    stage,
    actions: [
      SLEEP,
      { type: "write_file" as const, base: "workspace" as const, path: file, template, overwrite: true },
      { type: "marker" as const, token },
    ],
  };
}

describe("lanes crash harness", () => {
  it(`survives ${KILLS} SIGKILLs of a 4-lane run of ${TASKS} tasks: each lands exactly once`, async () => {
    const ws = laneWorkspace(
      {
        rules: [
          writingStage("builder", "src/{{work_item_id}}.txt", "{{work_item_id}}\n", "BUILDER_COMPLETE"),
          { stage: "checker", actions: [SLEEP, { type: "marker", token: "CHECKER_PASS" }] },
          { stage: "updater", actions: [SLEEP, { type: "marker", token: "UPDATE_COMPLETE" }] },
        ],
      },
      'lanes = 4\nlanding = "merge_commit"',
    );
    const ids = Array.from({ length: TASKS }, (_, i) => `task-lane-${String(i + 1).padStart(2, "0")}`);
    for (const id of ids) enqueueTask(ws, id, { target_paths: [`src/${id}.txt`] });
    const random = prng(SEED);
    const context = `seed=${SEED} kills=${KILLS} workspace=${ws.root}`;
    for (let life = 0; life < KILLS; life += 1) {
      await killedLife(ws.root, Math.floor(random() * 900));
    }
    const last = await runChild(ws.root);
    expect(last.stdout, `${context}\n${last.stderr}`).toContain("DONE");

    const locations = documentLocations(ws.paths);
    for (const id of ids) expect(locations.get(id), `${context} ${id}`).toEqual(["task/done"]);
    const merges = git(ws.root, "log", "--merges", "--format=%s", "main").split("\n").filter(Boolean);
    expect(merges, context).toHaveLength(TASKS);
    expect(new Set(merges).size, context).toBe(TASKS);
    for (const id of ids) expect(git(ws.root, "show", `main:src/${id}.txt`), `${context} ${id}`).toBe(id);
    expect(laneLeftovers(ws), context).toEqual({ branches: [], extraWorktrees: 0, records: [] });
    const journal = JSON.parse(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8"));
    expect(journal.lanes, context).toEqual([]);
    expect(git(ws.root, "status", "--porcelain"), context).toBe("");
  }, 600_000);

  it(`survives ${KILLS} SIGKILLs around a conflicted landing, its merge stage and the landing after it`, async () => {
    const ws = laneWorkspace(
      {
        rules: [
          writingStage("builder", "shared.txt", "from {{work_item_id}}\n", "BUILDER_COMPLETE"),
          writingStage("merge", "shared.txt", "resolved\n", "MERGE_COMPLETE"),
        ],
      },
      'lanes = 2\nlanding = "merge_commit"',
      { "shared.txt": "base\n" },
    );
    const ids = ["task-m-1", "task-m-2"];
    for (const id of ids) enqueueTask(ws, id, { target_paths: [`src/${id}/`] });
    const random = prng(SEED);
    const context = `seed=${SEED} kills=${KILLS} workspace=${ws.root}`;
    for (let life = 0; life < KILLS; life += 1) {
      await killedLife(ws.root, Math.floor(random() * 600));
    }
    const last = await runChild(ws.root);
    expect(last.stdout, `${context}\n${last.stderr}`).toContain("DONE");

    const events = readEventLog(ws.paths)
      .filter((e) => e.event_type.startsWith("lane_"))
      .map((e) => `${e.event_type} ${JSON.stringify(e.data)}`);
    const story = `${context}\n${events.join("\n")}`;
    const locations = documentLocations(ws.paths);
    for (const id of ids) expect(locations.get(id), `${story} ${id}`).toEqual(["task/done"]);
    const lands = git(ws.root, "log", "--merges", "--format=%s", "main")
      .split("\n")
      .filter((subject) => subject.startsWith("millrace: land "));
    expect(lands.sort(), story).toEqual([
      "millrace: land task-m-1 (lane 1)",
      "millrace: land task-m-2 (lane 2)",
    ]);
    const merged = git(ws.root, "log", "--format=%s", "main").includes("millrace: merge of main into");
    // A kill can delay a lane until the other landed (no conflict then); otherwise the merge stage resolved it.
    const shared = git(ws.root, "show", "main:shared.txt");
    if (merged) expect(shared, story).toBe("resolved");
    else expect(["from task-m-1", "from task-m-2"], story).toContain(shared);
    expect(laneLeftovers(ws), story).toEqual({ branches: [], extraWorktrees: 0, records: [] });
    const journal = JSON.parse(readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8"));
    expect(journal.lanes, story).toEqual([]);
    expect(git(ws.root, "status", "--porcelain"), story).toBe("");
  }, 600_000);

  // A retry-active that reached both lanes, killed at each step of carrying it out: after the
  // mailbox file was archived (the journal holds the retry, nothing requeued yet), after the first
  // and after the second document went back to the queue. The next life finishes the retry.
  it.each(["rename:/mailbox/processed/", "rename:/tasks/queue/@1", "rename:/tasks/queue/@2"])(
    "a retry of every lane killed at %s is finished by the next start: each item retried and landed once",
    async (point) => {
      const ws = laneWorkspace(
        {
          rules: [
            {
              stage: "builder",
              attempt: 1,
              actions: [
                {
                  type: "write_file",
                  base: "workspace",
                  path: "src/{{work_item_id}}-draft.txt",
                  template: "draft\n",
                  overwrite: true,
                },
                { type: "hang" },
              ],
            },
            writingStage("builder", "src/{{work_item_id}}.txt", "{{work_item_id}}\n", "BUILDER_COMPLETE"),
          ],
        },
        'lanes = 2\nlanding = "merge_commit"',
      );
      const ids = ["task-r-1", "task-r-2"];
      for (const id of ids) enqueueTask(ws, id, { target_paths: [`src/${id}.txt`, `src/${id}-draft.txt`] });
      await lifeKilledAfterStarts(ws.root, 2);
      writeMailboxCommand(
        ws.paths,
        "retry_active",
        { reason: "crash retry" },
        { issuer: "ops", now: new Date() },
      );
      const killed = await runChild(ws.root, { MILLRACE_CRASH_AT: point });
      expect(killed.signal, killed.stdout).toBe("SIGKILL");
      const last = await runChild(ws.root);
      expect(last.stdout, last.stderr).toContain("DONE");

      const events = readEventLog(ws.paths);
      const story = `${point} workspace=${ws.root}\n${events.map((e) => `${e.event_type} ${JSON.stringify(e.data)}`).join("\n")}`;
      const locations = documentLocations(ws.paths);
      for (const id of ids) expect(locations.get(id), `${story} ${id}`).toEqual(["task/done"]);
      const retried = events
        .filter((e) => e.event_type === "retry_active_applied")
        .map((e) => String(e.data.work_item_id))
        .sort();
      expect(retried, story).toEqual(ids);
      const lands = git(ws.root, "log", "--merges", "--format=%s", "main")
        .split("\n")
        .filter((subject) => subject.startsWith("millrace: land "));
      expect(lands, story).toHaveLength(2);
      for (const id of ids) {
        expect(git(ws.root, "show", `main:src/${id}.txt`), story).toBe(id);
        expect(git(ws.root, "show", `main:src/${id}-draft.txt`), story).toBe("draft");
      }
      expect(laneLeftovers(ws), story).toEqual({ branches: [], extraWorktrees: 0, records: [] });
      expect(readdirSync(ws.paths.mailboxFailed), story).toEqual([]);
      expect(
        readdirSync(ws.paths.mailboxIncoming).filter((n) => n.endsWith(".json")),
        story,
      ).toEqual([]);
    },
    120_000,
  );
});

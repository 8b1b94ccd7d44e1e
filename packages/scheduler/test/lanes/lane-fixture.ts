import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ScriptFileInput } from "@millrace/contracts";
import type { MonitorEvent } from "../../src/index.js";
import type { TestWorkspace } from "../fixtures.js";
import { scenarioWorkspace } from "../scenarios/helpers.js";

export function git(root: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" },
  }).trim();
}

/**
 * A demo workspace that is also a git repository with one commit on `main` (the runtime folder is
 * ignored, as a real project would have it), configured with `[execution]` settings.
 */
export function laneWorkspace(
  script: ScriptFileInput,
  execution: string,
  files: Record<string, string> = {},
) {
  const ws: TestWorkspace = scenarioWorkspace(script, `\n[execution]\n${execution}\n`);
  git(ws.root, "init", "--quiet", "--initial-branch=main");
  git(ws.root, "config", "user.name", "Lane Test");
  git(ws.root, "config", "user.email", "lanes@example.test");
  git(ws.root, "config", "commit.gpgsign", "false");
  writeFileSync(path.join(ws.root, ".gitignore"), "millrace-agents/\n");
  for (const [file, text] of Object.entries({ "README.md": "lanes\n", ...files })) {
    mkdirSync(path.dirname(path.join(ws.root, file)), { recursive: true });
    writeFileSync(path.join(ws.root, file), text);
  }
  git(ws.root, "add", "-A");
  git(ws.root, "commit", "--quiet", "-m", "initial");
  return ws;
}

/** A builder that sleeps (so lanes overlap), writes one file in its worktree, then completes. */
export function builderWrites(file: string, content: string, sleepMs: number): ScriptFileInput["rules"] {
  return [
    {
      stage: "builder",
      actions: [
        { type: "sleep", ms: sleepMs },
        { type: "write_file", base: "workspace", path: file, template: content, overwrite: true },
        { type: "marker", token: "BUILDER_COMPLETE" },
      ],
    },
  ];
}

/** Running stages per item, from the monitor: the largest number running at once, and who overlapped. */
export function concurrencyOf(events: readonly MonitorEvent[]): { max: number; overlaps: Set<string> } {
  const running = new Set<string>();
  const overlaps = new Set<string>();
  let max = 0;
  for (const event of events) {
    if (event.type === "stage_started" && event.plane === "execution") {
      for (const other of running) overlaps.add([other, event.workItemId].sort().join("+"));
      running.add(event.workItemId ?? "");
      max = Math.max(max, running.size);
    } else if (event.type === "stage_completed" && event.plane === "execution") {
      running.delete(event.workItemId ?? "");
    }
  }
  return { max, overlaps };
}

/** Lane branches, extra worktrees and lane records left behind. */
export function laneLeftovers(ws: TestWorkspace) {
  const branches = git(ws.root, "branch", "--list", "millrace/*")
    .split("\n")
    .map((line) => line.replace(/^[*+ ]+/, "").trim())
    .filter(Boolean);
  const worktrees = git(ws.root, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((line) => line.startsWith("worktree "));
  const recordsDir = path.join(ws.paths.state, "lanes");
  const records = existsSync(recordsDir) ? readdirSync(recordsDir).filter((n) => n.endsWith(".json")) : [];
  return { branches, extraWorktrees: worktrees.length - 1, records };
}

import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { describe, expect, it } from "vitest";
import { CLI_BIN, tempDir } from "./helpers.js";

const guide = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "docs",
  "getting-started.md",
);

const repo = path.resolve(path.dirname(guide), "..");

/** Every ```sh block with the marker line before it (`<!-- test -->`, `<!-- covered by X -->`, or none). */
function shellBlocks(markdown: string): Array<{ marker: string | null; body: string }> {
  const blocks: Array<{ marker: string | null; body: string }> = [];
  const pattern = /(?:(<!--[^\n]*-->)\n)?```sh\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern))
    blocks.push({ marker: match[1] ?? null, body: match[2] ?? "" });
  return blocks;
}

/** The ```sh blocks preceded by `<!-- test -->`, in order. */
function testedBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /<!-- test -->\n```sh\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern)) blocks.push(match[1] ?? "");
  return blocks;
}

/** A PATH folder where `millrace` is the built CLI and `codex` is the fake agent (it obeys the prompt). */
function toolBin(): string {
  const dir = tempDir("millrace-guide-bin-");
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    chmodSync(path.join(dir, name), 0o755);
  };
  write("millrace", `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
  write(
    "codex",
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.169.0"; exit 0; fi\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`,
  );
  return dir;
}

describe("docs/getting-started.md", () => {
  it("runs every shell block: each is tested here, or covered by a named test that runs its commands", () => {
    const blocks = shellBlocks(readFileSync(guide, "utf8"));
    expect(blocks.length).toBeGreaterThan(5);
    for (const block of blocks) {
      if (block.marker === "<!-- test -->") continue;
      const covered = /^<!-- covered by (\S+) -->$/.exec(block.marker ?? "")?.[1];
      expect(covered, `an unmarked shell block:\n${block.body}`).toBeDefined();
      const test = readFileSync(path.join(repo, covered as string), "utf8");
      // The covering test runs the same commands: a global npm install of the tarballs, then --version.
      expect(block.body).toContain("npm install -g ./millrace-tarballs/*.tgz");
      expect(test).toContain('["i", "-g", "--prefix", prefix');
      expect(block.body).toContain("millrace --version");
      expect(test).toContain('[["--version"], ["-v"], ["version"]]');
    }
  });

  it("has tested blocks covering init, doctor, add-task, run daemon, status, runs and the demo", () => {
    const script = testedBlocks(readFileSync(guide, "utf8")).join("\n");
    for (const command of [
      "millrace init",
      "millrace doctor",
      "millrace add-task",
      "millrace run daemon",
      "millrace status",
      "millrace runs ls",
      "millrace demo",
      "millrace pause",
      "millrace resume",
      "millrace stop",
      "millrace add-idea",
    ]) {
      expect(script).toContain(command);
    }
  });

  it("every tested block runs verbatim in a fresh folder and succeeds", () => {
    const folder = tempDir("millrace-guide-");
    const blocks = testedBlocks(readFileSync(guide, "utf8"));
    const script = ["set -eu", ...blocks.map((block, index) => `echo "::block ${index + 1}"\n${block}`)].join(
      "\n",
    );
    const bin = toolBin();
    const run = spawnSync("bash", ["-c", script], {
      cwd: folder,
      env: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: tempDir("millrace-guide-home-"),
        CODEX_API_KEY: "sk-fake-getting-started",
        NO_COLOR: "1",
      },
      encoding: "utf8",
      timeout: 180_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    // What the guide says a fresh workspace's doctor shows: no error, one warning (the agent runs in
    // a sandbox derived from its grants, so no permission warning).
    expect(run.stdout).toContain("ok: true\nerrors: 0\nwarnings: 1\n");
    expect(run.stdout).toContain("warning: plan_missing");
    expect(run.stdout).not.toContain("runner_permission_maximum");
    expect(run.stdout).toContain("enqueued_task: millrace-agents/tasks/queue/task-verbose-flag.md");
    // The task went all the way through with the (fake) agent.
    expect(
      existsSync(path.join(folder, "my-project", "millrace-agents", "tasks", "done", "task-verbose-flag.md")),
      output,
    ).toBe(true);
    expect(run.stdout).toContain("state: done");
    // What to commit: of state/, only the baseline manifest is staged (init's .gitignore).
    expect(run.stdout).toContain("::block 2\nA  millrace-agents/state/baseline_manifest.json\n::block 3");
    // `runs show latest`, and `status` from inside millrace-agents/tasks/.
    expect(run.stdout).toMatch(/run_id: run-[0-9a-f]{32}\n/);
    expect(run.stdout).toContain(`workspace: ${path.join(folder, "my-project")}\n`);
    expect(run.stdout).toContain("demo finished:");
    // The idea was handed over after the run: it waits in the inbox for the next daemon.
    expect(run.stdout).toContain("::block 9\nenqueued_idea: ideas/inbox/idea.md\n");
  }, 200_000);
});

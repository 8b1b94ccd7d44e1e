import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StatusReportSchema } from "@millrace/contracts";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

/** Polls until `check` holds (a generous cap only so a broken daemon cannot hang the suite). */
function waitFor(check: () => boolean, what: string, capMs = 120_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - start > capMs) return reject(new Error(`never happened: ${what}`));
      setTimeout(poll, 100);
    };
    poll();
  });
}

/**
 * A temp bin folder holding `codex`: the fake Codex CLI. With `removeAfterFirstRun` the binary
 * deletes itself during its first `codex exec` (that stage still completes); with `logoutFile` it
 * deletes that credential file instead, like a `codex logout` mid-run.
 */
function codexBin(options: { removeAfterFirstRun?: boolean; logoutFile?: string } = {}) {
  const dir = tempDir("millrace-codex-bin-");
  const file = path.join(dir, "codex");
  const install = (once: { remove?: boolean; logout?: string }) => {
    const marker = path.join(dir, "first-run");
    if (once.remove || once.logout) writeFileSync(marker, "");
    else rmSync(marker, { force: true });
    const onFirst = once.remove ? `rm -f "${file}"` : once.logout ? `rm -f "${once.logout}"` : ":";
    writeFileSync(
      file,
      `#!/bin/sh\nif [ "$1" = "exec" ] && [ -f "${marker}" ]; then rm -f "${marker}"; ${onFirst}; fi\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`,
    );
    chmodSync(file, 0o755);
  };
  install({
    ...(options.removeAfterFirstRun ? { remove: true } : {}),
    ...(options.logoutFile ? { logout: options.logoutFile } : {}),
  });
  return { dir, restore: () => install({}) };
}

function workspace(): string {
  const root = path.join(tempDir("millrace-runner-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  writeFileSync(
    path.join(root, "millrace-agents", "millrace.toml"),
    '[runners.codex]\npermission_default = "basic"\n',
  );
  // The fake agent works in a git repository, like the real one.
  mkdirSync(path.join(root, ".git"), { recursive: true });
  expect(runCli(["add-task", "Add a flag", "--id", "task-flag", "-w", root]).status).toBe(0);
  return root;
}

function envWith(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: tempDir("millrace-home-"),
    ...extra,
  };
}

interface Daemon {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

function startDaemon(root: string, env: NodeJS.ProcessEnv, args = ["--until-idle"]): Daemon {
  const child = spawn(
    process.execPath,
    [CLI_BIN, "run", "daemon", "-w", root, "--monitor", "basic", ...args],
    {
      env: { ...process.env, NO_COLOR: "1", CODEX_API_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let text = "";
  child.stdout?.on("data", (chunk) => {
    text += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, output: () => text, exited };
}

function statusOf(root: string, env: NodeJS.ProcessEnv) {
  return StatusReportSchema.parse(runCli(["status", "-w", root, "--json"], { env }).json());
}

const taskDone = (root: string) =>
  existsSync(path.join(root, "millrace-agents", "tasks", "done", "task-flag.md"));

const RECOVERY_STAGES = /stage (start|done) [^\n]*(troubleshooter|mechanic|consultant)/;

describe("run refuses what cannot work, and pauses when the agent goes away", () => {
  it("without codex, run once and run daemon refuse with exit 1, the runner, what is missing and the fix", () => {
    const root = workspace();
    const env = envWith(tempDir("millrace-empty-bin-"), { CODEX_API_KEY: "sk-fake-000" });
    for (const kind of ["once", "daemon"]) {
      const run = runCli(["run", kind, "-w", root], { env });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^error: cannot run mode default_codex: runner codex_cli \(used by execution\.builder, [^)]*\): the Codex executable codex was not found on PATH: install it, or set runners\.codex\.command to its absolute path\nhint: Fix what the message names, check with `millrace doctor`, then run again; no stage was started\.\n$/,
      );
    }
    const json = runCli(["run", "once", "-w", root, "--json"], { env });
    expect(json.status).toBe(1);
    expect(json.json()).toMatchObject({
      error: { code: "runner_preflight_failed", details: { mode_id: "default_codex" } },
    });
    // Nothing was claimed or started.
    expect(existsSync(path.join(root, "millrace-agents", "tasks", "queue", "task-flag.md"))).toBe(true);
    expect(existsSync(path.join(root, "millrace-agents", "runs"))).toBe(true);
    expect(runCli(["runs", "ls", "-w", root], { env }).stdout).not.toContain("task-flag");
    // No key: the same refusal names the credential.
    const noKey = runCli(["run", "once", "-w", root], { env: envWith(codexBin().dir) });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toContain(
      "no Codex credentials: set CODEX_API_KEY (environment or [runners.codex.env]) or run `codex login`",
    );
  });

  it("codex removed mid-run: runner_unavailable pause, no recovery stage, resumes when it is back", async () => {
    const root = workspace();
    const bin = codexBin({ removeAfterFirstRun: true });
    const env = envWith(bin.dir, { CODEX_API_KEY: "sk-fake-000" });
    const daemon = startDaemon(root, env);
    await waitFor(() => statusOf(root, env).pause_sources.includes("runner_unavailable"), "the runner pause");
    const text = runCli(["status", "-w", root], { env }).stdout;
    expect(text).toContain("paused: true\npause_sources: runner_unavailable\n");
    expect(text).toMatch(
      /runner_pause: runner=codex_cli failure_class=runner_unavailable held=execution\/checker /,
    );
    expect(text).toContain(
      "runner_pause_reason: the Codex executable codex was not found on PATH: install it, or set runners.codex.command to its absolute path\n",
    );
    expect(taskDone(root)).toBe(false);
    bin.restore();
    expect(await daemon.exited).toBe(0);
    const output = daemon.output();
    expect(output).toContain(
      "paused reason=runner_unavailable runner=codex_cli failure_class=runner_unavailable held=execution/checker",
    );
    expect(output).toContain("resumed reason=runner_available runner=codex_cli");
    expect(output).toMatch(/failure_class=runner_unavailable/);
    expect(output).not.toMatch(RECOVERY_STAGES);
    expect(output).toContain("stop_reason: idle");
    expect(taskDone(root)).toBe(true);
    expect(statusOf(root, env)).toMatchObject({ pause_sources: [], runner_pause: null });
  }, 240_000);

  it("credentials revoked mid-run: runner_auth_failure, the same pause, resumes after a new login", async () => {
    const root = workspace();
    const codexHome = tempDir("millrace-codex-home-");
    const auth = path.join(codexHome, "auth.json");
    writeFileSync(auth, "{}");
    const bin = codexBin({ logoutFile: auth });
    const env = envWith(bin.dir, { CODEX_HOME: codexHome });
    const daemon = startDaemon(root, env);
    await waitFor(() => statusOf(root, env).pause_sources.includes("runner_unavailable"), "the auth pause");
    const status = statusOf(root, env);
    expect(status.runner_pause).toMatchObject({ runner: "codex_cli", failure_class: "runner_auth_failure" });
    expect(status.runner_pause?.reason).toContain(`no Codex credentials: set CODEX_API_KEY`);
    expect(status.runner_pause?.reason).toContain(auth);
    writeFileSync(auth, "{}");
    expect(await daemon.exited).toBe(0);
    const output = daemon.output();
    expect(output).toContain("failure_class=runner_auth_failure");
    expect(output).toContain("resumed reason=runner_available runner=codex_cli");
    expect(output).not.toMatch(RECOVERY_STAGES);
    expect(taskDone(root)).toBe(true);
  }, 240_000);

  it("a failed reload: status says last known good, the monitor says it once, the daemon keeps working", async () => {
    const root = path.join(tempDir("millrace-lkg-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const configFile = path.join(root, "millrace-agents", "millrace.toml");
    const good =
      '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.2\n\n[runners.scripted]\nscript = "scripted/ok.json"\n';
    writeFileSync(configFile, good);
    writeFileSync(path.join(root, "millrace-agents", "scripted", "ok.json"), JSON.stringify({ rules: [] }));
    const env = {};
    const daemon = startDaemon(root, env, []);
    await waitFor(() => statusOf(root, env).process_running, "the daemon start");
    writeFileSync(configFile, good.replace('"demo"', '"no_such_mode"'));
    await waitFor(
      () => statusOf(root, env).compiled_plan_currentness.state === "last_known_good",
      "the failed reload",
    );
    const text = runCli(["status", "-w", root], { env }).stdout;
    expect(text).toContain("compiled_plan_currentness: last_known_good\n");
    expect(text).toMatch(/\nplan: last known good \(reload failed: mode no_such_mode [^\n]+\)\n/);
    // The daemon still works, on the plan it had.
    expect(runCli(["add-task", "After the reload", "--id", "task-flag", "-w", root], { env }).status).toBe(0);
    await waitFor(() => taskDone(root), "the task to finish on the last known good plan");
    expect(runCli(["stop", "-w", root], { env }).status).toBe(0);
    expect(await daemon.exited).toBe(0);
    const lines = daemon.output().split("\n");
    expect(lines.filter((line) => line.includes("plan: last known good (reload failed:"))).toHaveLength(1);
    // Stopped, the files on disk count again: the config names a mode that does not exist.
    expect(statusOf(root, env).compiled_plan_currentness.state).not.toBe("last_known_good");
    expect(readFileSync(configFile, "utf8")).toContain("no_such_mode");
  }, 240_000);
});

import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { compilePlan } from "@millrace/compiler";
import { type FullDoctorReport, FullDoctorReportSchema } from "@millrace/contracts";
import { createRunnerRegistry } from "@millrace/runners";
import { FAKE_CLAUDE_PATH, FAKE_CODEX_PATH, FAKE_PI_PATH } from "@millrace/runners/testing";
import { initWorkspace, loadConfig, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { DOCTOR_CHECK_CODES, runFullDoctor } from "../../src/doctor/index.js";
import { demoWorkspace, enqueueTask } from "../fixtures.js";

/** A folder holding fake `codex`, `claude` and `pi` executables that answer `--version`. */
function fakeBin(options: { hangOnVersion?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-doctor-bin-"));
  const fakes: Array<[string, string, string]> = [
    ["codex", FAKE_CODEX_PATH, "codex-cli 0.169.0"],
    ["claude", FAKE_CLAUDE_PATH, "2.1.329 (Claude Code)"],
    ["pi", FAKE_PI_PATH, "0.73.1"],
  ];
  for (const [name, script, version] of fakes) {
    const file = path.join(dir, name);
    const answer = options.hangOnVersion ? "exec sleep 30" : `echo "${version}"; exit 0`;
    writeFileSync(
      file,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then ${answer}; fi\nexec "${process.execPath}" "${script}" "$@"\n`,
    );
    chmodSync(file, 0o755);
  }
  return dir;
}

function emptyHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), "millrace-doctor-home-"));
}

function workspace(config = ""): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-doctor-"));
  initWorkspace(root);
  if (config) writeFileSync(workspacePaths(root).configFile, config);
  return root;
}

function persistPlan(root: string): void {
  const result = compilePlan(root, loadConfig(workspacePaths(root)));
  expect(result.ok).toBe(true);
}

function codes(report: FullDoctorReport, status?: "ok" | "warning" | "error"): string[] {
  return report.checks.filter((c) => status === undefined || c.status === status).map((c) => c.code);
}

function treeHash(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file));
    }
  };
  walk(root);
  return hash.digest("hex");
}

const BASIC_CODEX = '[runners.codex]\npermission_default = "basic"\n';

describe("runFullDoctor", () => {
  it("a healthy codex workspace: every check ok, the runner resolved with its version and credential source", async () => {
    const root = workspace(BASIC_CODEX);
    persistPlan(root);
    const bin = fakeBin();
    const report = await runFullDoctor(root, {
      env: { PATH: bin, HOME: emptyHome(), CODEX_API_KEY: "sk-fake-000" },
    });
    expect(FullDoctorReportSchema.parse(report)).toEqual(report);
    expect(codes(report, "error")).toEqual([]);
    expect(codes(report, "warning")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.mode_id).toBe("default_codex");
    expect(codes(report)).toEqual(
      expect.arrayContaining([
        "plan_current",
        "queue_consistent",
        "runner_binary_found",
        "runner_version",
        "runner_credentials_present",
        "capability_sandbox_ok",
      ]),
    );
    expect(report.runners).toEqual([
      {
        runner: "codex_cli",
        used_by: expect.arrayContaining(["execution.builder", "planning.planner"]),
        command: "codex",
        resolved_path: path.join(bin, "codex"),
        version: "codex-cli 0.169.0",
        credentials: "present",
        credential_source: "CODEX_API_KEY",
        permission_levels: ["basic"],
      },
    ]);
    // Groups come in a fixed order.
    const order = ["workspace", "assets", "config", "lock", "plan", "queue", "runners", "compounding"];
    const seen = report.checks.map((c) => order.indexOf(c.group));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it("missing binary and credentials are warnings plus one error for the mode, maximum permissions a warning; the secret never appears", async () => {
    // Permission levels apply only with execution capabilities off (otherwise grants decide the flags).
    const root = workspace("[execution_capabilities]\nenabled = false\n");
    const report = await runFullDoctor(root, {
      env: { PATH: emptyHome(), HOME: emptyHome(), OPENAI_API_KEY: "sk-openai-secret-123" },
    });
    expect(report.ok).toBe(false);
    expect(codes(report, "error")).toEqual(["mode_runner_unavailable"]);
    expect(report.checks.find((c) => c.code === "mode_runner_unavailable")?.message).toMatch(
      /^cannot run mode default_codex: codex_cli: the Codex executable codex was not found on PATH: install it, or set runners\.codex\.command to its absolute path; no Codex credentials: /,
    );
    expect(codes(report, "warning")).toEqual([
      "plan_missing",
      "runner_binary_missing",
      "runner_credentials_missing",
      "runner_permission_maximum",
    ]);
    const credential = report.checks.find((c) => c.code === "runner_credentials_missing");
    expect(credential?.message).toContain(
      "OPENAI_API_KEY is set, but `codex exec` authenticates with CODEX_API_KEY",
    );
    expect(credential?.hint).toBe(DOCTOR_CHECK_CODES.runner_credentials_missing.action);
    // Levels are resolved per compiled node (doctor compiles a preview even before the first compile).
    expect(report.checks.find((c) => c.code === "runner_permission_maximum")?.message).toBe(
      'codex_cli: every stage (from runners.codex.permission_default) run with "maximum": the agent gets --dangerously-bypass-approvals-and-sandbox',
    );
    expect(JSON.stringify(report)).not.toContain("sk-openai-secret-123");
    expect(report.runners[0]).toMatchObject({ resolved_path: null, version: null, credentials: "missing" });
  });

  it("a codex login (auth.json in CODEX_HOME) counts as a credential", async () => {
    const root = workspace(BASIC_CODEX);
    const codexHome = emptyHome();
    writeFileSync(path.join(codexHome, "auth.json"), "{}");
    const report = await runFullDoctor(root, {
      env: { PATH: fakeBin(), HOME: emptyHome(), CODEX_HOME: codexHome },
    });
    expect(report.runners[0]).toMatchObject({
      credentials: "present",
      credential_source: path.join(codexHome, "auth.json"),
    });
  });

  it("claude_code: key from the runner's env table, per-stage maximum named in the warning", async () => {
    const root = workspace(
      '[runtime]\ndefault_mode = "default_claude"\n\n[runners.claude]\npermission_default = "basic"\n\n[runners.claude.permission_by_stage]\nbuilder = "maximum"\n\n[runners.claude.env]\nANTHROPIC_API_KEY = "sk-ant-fake"\nIS_SANDBOX = "1"\n\n[execution_capabilities]\nenabled = false\n',
    );
    persistPlan(root);
    const report = await runFullDoctor(root, { env: { PATH: fakeBin(), HOME: emptyHome() } });
    expect(codes(report, "error")).toEqual([]);
    expect(codes(report, "warning")).toEqual(["runner_permission_maximum"]);
    expect(report.checks.find((c) => c.code === "runner_permission_maximum")?.message).toBe(
      'claude_code: execution.builder (from runners.claude.permission_by_stage.builder) run with "maximum": the agent gets --dangerously-skip-permissions',
    );
    expect(report.runners[0]).toMatchObject({
      runner: "claude_code",
      version: "2.1.329 (Claude Code)",
      credentials: "present",
      credential_source: "ANTHROPIC_API_KEY",
      permission_levels: ["basic", "maximum"],
    });
  });

  it("claude_code without any key or login is flagged", async () => {
    const root = workspace(
      '[runtime]\ndefault_mode = "default_claude"\n\n[runners.claude]\npermission_default = "basic"\n',
    );
    const report = await runFullDoctor(root, { env: { PATH: fakeBin(), HOME: emptyHome() } });
    expect(codes(report, "warning")).toContain("runner_credentials_missing");
    expect(report.checks.find((c) => c.code === "runner_credentials_missing")?.message).toContain(
      "ANTHROPIC_API_KEY",
    );
  });

  it("pi_rpc: the provider's key, and the missing sandbox unless tools are limited", async () => {
    const pi =
      '[execution_capabilities]\nenabled = false\n\n[runtime]\ndefault_mode = "default_pi"\n\n[runners.pi]\nprovider = "anthropic"\n';
    const open = await runFullDoctor(workspace(pi), {
      env: { PATH: fakeBin(), HOME: emptyHome(), ANTHROPIC_API_KEY: "sk-ant-fake" },
    });
    expect(open.runners[0]).toMatchObject({
      runner: "pi_rpc",
      version: "0.73.1",
      credential_source: "ANTHROPIC_API_KEY",
    });
    expect(codes(open, "warning")).toContain("runner_permission_unsandboxed");

    const limited = await runFullDoctor(workspace(`${pi}args = ["--tools", "read,grep"]\n`), {
      env: { PATH: fakeBin(), HOME: emptyHome() },
    });
    expect(codes(limited)).toContain("runner_permission_ok");
    expect(codes(limited, "warning")).toContain("runner_credentials_missing");

    const agentDir = emptyHome();
    writeFileSync(path.join(agentDir, "models.json"), "{}");
    const configured = await runFullDoctor(workspace(pi), {
      env: { PATH: fakeBin(), HOME: emptyHome(), PI_CODING_AGENT_DIR: agentDir },
    });
    expect(configured.runners[0]?.credential_source).toBe(path.join(agentDir, "models.json"));
  });

  it("a command path that does not exist, and a --version that hangs, are reported", async () => {
    const missing = await runFullDoctor(workspace('[runners.codex]\ncommand = "/nonexistent/codex"\n'), {
      env: { PATH: "", HOME: emptyHome() },
    });
    expect(missing.checks.find((c) => c.code === "runner_binary_missing")?.message).toContain(
      "command /nonexistent/codex was not found (runners.codex.command)",
    );

    const hanging = await runFullDoctor(workspace(BASIC_CODEX), {
      env: { PATH: fakeBin({ hangOnVersion: true }), HOME: emptyHome(), CODEX_API_KEY: "k" },
      versionTimeoutMs: 300,
    });
    expect(codes(hanging, "warning")).toContain("runner_version_unknown");
    expect(hanging.runners[0]?.version).toBeNull();
  });

  it("the scripted runner: a valid script is ok, a missing one is an error", async () => {
    const ws = demoWorkspace({ rules: [] });
    const good = await runFullDoctor(ws.root, { env: { PATH: "" } });
    expect(codes(good, "error")).toEqual([]);
    expect(good.runners).toEqual([
      expect.objectContaining({ runner: "scripted", credentials: "not_required" }),
    ]);
    expect(codes(good)).toContain("runner_script_ok");

    renameSync(
      path.join(ws.paths.runtimeRoot, "scripted", "test-script.json"),
      path.join(ws.paths.runtimeRoot, "scripted", "moved.json"),
    );
    const bad = await runFullDoctor(ws.root, { env: { PATH: "" } });
    expect(codes(bad, "error")).toEqual(["runner_script_invalid"]);
  });

  it("a custom runner from the embedder's registry runs its own preflight", async () => {
    const root = workspace('[runtime]\ndefault_mode = "demo"\n\n[stages.builder]\nrunner = "echo_runner"\n');
    const registry = createRunnerRegistry();
    registry.register({
      name: "echo_runner",
      run: async () => {
        throw new Error("not used");
      },
      preflight: async () => ({ ok: false, problems: ["ECHO_TOKEN is not set"] }),
    });
    const report = await runFullDoctor(root, { env: { PATH: "" }, registry });
    expect(report.checks.filter((c) => c.group === "runners").map((c) => [c.code, c.message])).toEqual([
      ["runner_preflight_failed", "echo_runner: ECHO_TOKEN is not set"],
      ["runner_script_ok", expect.stringContaining("scripted: script")],
      // A runner without its own capability controls holds its agent to nothing: advisory, named.
      [
        "capability_sandbox_advisory",
        "echo_runner: execution.builder: advisory: echo_runner has no capability controls",
      ],
    ]);
    expect(report.runners.find((r) => r.runner === "echo_runner")?.used_by).toEqual(["execution.builder"]);
    // The compiler cannot know the runner; doctor does not warn about one that is registered.
    expect(codes(report)).not.toContain("plan_compile_warning");

    const unregistered = await runFullDoctor(root, { env: { PATH: "" } });
    expect(codes(unregistered, "error")).toContain("runner_unknown");
  });

  it("plan: stale after a structural config edit, a compile error for an unknown mode", async () => {
    const root = workspace(BASIC_CODEX);
    persistPlan(root);
    writeFileSync(
      workspacePaths(root).configFile,
      `${BASIC_CODEX}\n[stages.builder]\ntimeout_seconds = 99\n`,
    );
    const stale = await runFullDoctor(root, { env: { PATH: fakeBin(), CODEX_API_KEY: "k" } });
    expect(codes(stale, "warning")).toEqual(["plan_stale"]);
    expect(stale.checks.find((c) => c.code === "plan_stale")?.message).toContain("stale");

    writeFileSync(workspacePaths(root).configFile, '[runtime]\ndefault_mode = "no_such_mode"\n');
    const broken = await runFullDoctor(root, { env: { PATH: fakeBin(), CODEX_API_KEY: "k" } });
    expect(codes(broken, "error")).toContain("plan_compile_error");
    expect(broken.ok).toBe(false);
  });

  it("an invalid config skips the plan and runner checks and says so", async () => {
    const root = workspace("[runtime]\nno_such_key = 1\n");
    const report = await runFullDoctor(root, { env: { PATH: "" } });
    expect(codes(report, "error")).toEqual(["runtime_config_invalid"]);
    expect(codes(report, "warning")).toEqual(["checks_skipped"]);
    expect(report.runners).toEqual([]);
    expect(report.mode_id).toBeNull();
  });

  it("queue: unparseable, misnamed, duplicated, several active, active without a run", async () => {
    const ws = demoWorkspace({ rules: [] });
    enqueueTask(ws, "task-a");
    enqueueTask(ws, "task-b");
    enqueueTask(ws, "task-c");
    const q = ws.paths.queues.task;
    writeFileSync(path.join(q.queue, "task-broken.md"), "not a work document\n");
    renameSync(path.join(q.queue, "task-b.md"), path.join(q.queue, "task-z.md"));
    writeFileSync(path.join(q.done, "task-c.md"), readFileSync(path.join(q.queue, "task-c.md")));
    const clean = await runFullDoctor(ws.root, { env: { PATH: "" } });
    expect(codes(clean, "error").sort()).toEqual([
      "queue_document_id_mismatch",
      "queue_document_invalid",
      "queue_duplicate_id",
    ]);
    expect(clean.checks.find((c) => c.code === "queue_duplicate_id")?.message).toBe(
      "task-c is in 2 folders: millrace-agents/tasks/queue/task-c.md, millrace-agents/tasks/done/task-c.md",
    );

    mkdirSync(q.active, { recursive: true });
    renameSync(path.join(q.queue, "task-a.md"), path.join(q.active, "task-a.md"));
    const one = await runFullDoctor(ws.root, { env: { PATH: "" } });
    expect(codes(one, "warning")).toContain("queue_active_without_run");

    renameSync(path.join(q.done, "task-c.md"), path.join(q.active, "task-c.md"));
    const two = await runFullDoctor(ws.root, { env: { PATH: "" } });
    expect(codes(two, "error")).toContain("queue_multiple_active");
    expect(two.checks.find((c) => c.code === "queue_multiple_active")?.message).toBe(
      "execution plane has 2 active items: task-a, task-c",
    );
  });

  it("never writes to the workspace, and an uninitialized folder gets one error", async () => {
    const root = workspace();
    const before = treeHash(root);
    await runFullDoctor(root, { env: { PATH: fakeBin(), CODEX_API_KEY: "k" } });
    expect(treeHash(root)).toBe(before);

    const empty = await runFullDoctor(emptyHome(), { env: {} });
    expect(empty.ok).toBe(false);
    expect(codes(empty)).toEqual(["workspace_not_initialized"]);
  });

  it("every code it can report is in the catalog, and the catalog entries are complete", () => {
    for (const [code, entry] of Object.entries(DOCTOR_CHECK_CODES)) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(entry.meaning.length).toBeGreaterThan(10);
      expect(entry.action.length).toBeGreaterThan(5);
    }
  });
});

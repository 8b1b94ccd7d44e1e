/**
 * Test helpers for packages that drive runners (the engine's tests, embedders): the fake agent
 * CLIs (`fake-codex`, `fake-claude`, `fake-pi`, speaking the real protocols), a config that points
 * the built-in adapters at them, and a throwaway workspace with a valid stage request.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type MillraceConfig,
  type MillraceConfigInput,
  MillraceConfigSchema,
  type Plane,
  planeOfStage,
  runningMarkerToken,
  type ScriptFileInput,
  STAGE_LEGALITY,
  type StageRunRequest,
  type StageRunRequestInput,
  StageRunRequestSchema,
} from "@millrace/contracts";

const fake = (name: string) => fileURLToPath(new URL(`../../test/fakes/${name}`, import.meta.url));

/** Absolute paths of the fake executables (run them with `process.execPath`). */
export const FAKE_CODEX_PATH = fake("fake-codex.mjs");
export const FAKE_CLAUDE_PATH = fake("fake-claude.mjs");
export const FAKE_PI_PATH = fake("fake-pi.mjs");

/**
 * `millrace.toml` lines that point the Codex adapter at the fake Codex CLI, with a fake API key and
 * `env` added to the agent's environment (`[runners.codex.env]`).
 */
export function fakeCodexRunnerToml(env: Record<string, string> = {}): string[] {
  return [
    "[runners.codex]",
    `command = ${JSON.stringify(process.execPath)}`,
    `args = [${JSON.stringify(FAKE_CODEX_PATH)}, "exec"]`,
    "",
    "[runners.codex.env]",
    'CODEX_API_KEY = "sk-fake-codex-key-000"',
    ...Object.entries(env).map(([name, value]) => `${name} = ${JSON.stringify(value)}`),
    "",
  ];
}

/**
 * Scenarios the fakes understand (FAKE_SCENARIO): success, tool, illegal-marker, no-marker,
 * two-markers, crash, hang, retry-loop, leak (spawns a detached grandchild, then hangs),
 * leak-then-exit (codex), auth, server-error (codex), max-turns (claude), no-key,
 * retry-then-success, retry-fail, error-no-retry (pi), marker-then-hang, silent (codex), echo-secret, garbage
 * (codex). FAKE_FINAL_TEXT overrides the final message; FAKE_RECORD names a JSON file where the fake
 * records its argv, cwd, environment names and stdin; FAKE_LEAK_TAG is the leaked sleep's argument.
 */
export type FakeScenario = string;

export interface FakeEnv {
  readonly scenario?: FakeScenario;
  readonly finalText?: string;
  readonly recordPath?: string;
  readonly leakTag?: string;
  readonly extra?: Record<string, string>;
}

function fakeEnv(options: FakeEnv): Record<string, string> {
  return {
    ...(options.scenario ? { FAKE_SCENARIO: options.scenario } : {}),
    ...(options.finalText !== undefined ? { FAKE_FINAL_TEXT: options.finalText } : {}),
    ...(options.recordPath ? { FAKE_RECORD: options.recordPath } : {}),
    ...(options.leakTag ? { FAKE_LEAK_TAG: options.leakTag } : {}),
    ...options.extra,
  };
}

/**
 * A config whose codex/claude/pi runners launch the fakes (scenario and knobs passed through each
 * runner's `env` table), with `runner` as the default runner. Merge your own keys via `overrides`.
 */
export function fakeRunnerConfig(
  runner: "codex_cli" | "claude_code" | "pi_rpc" | "scripted",
  options: FakeEnv = {},
  overrides: MillraceConfigInput = {},
): MillraceConfig {
  const env = fakeEnv(options);
  const input: MillraceConfigInput = {
    ...overrides,
    runners: {
      ...overrides.runners,
      default_runner: runner,
      codex: {
        command: process.execPath,
        args: [FAKE_CODEX_PATH, "exec"],
        ...overrides.runners?.codex,
        env: { CODEX_API_KEY: "sk-fake-codex-key-000", ...env, ...overrides.runners?.codex?.env },
      },
      claude: {
        command: process.execPath,
        args: [FAKE_CLAUDE_PATH],
        permission_default: "basic",
        ...overrides.runners?.claude,
        env: { ANTHROPIC_API_KEY: "sk-ant-fake-key-000", ...env, ...overrides.runners?.claude?.env },
      },
      pi: {
        command: process.execPath,
        args: [FAKE_PI_PATH],
        ...overrides.runners?.pi,
        env: { ...env, ...overrides.runners?.pi?.env },
      },
    },
  };
  return MillraceConfigSchema.parse(input);
}

export interface StageFixture {
  /** The repository root (a fresh temp folder). */
  readonly root: string;
  readonly runtimeRoot: string;
  readonly runDir: string;
  readonly request: StageRunRequest;
  /** Another request in the same run: the fixture's overrides plus `overrides`, with a fresh request id. */
  nextRequest(overrides?: Partial<StageRunRequestInput>): StageRunRequest;
  /** Writes a scripted-runner script and returns its absolute path. */
  writeScript(script: ScriptFileInput, name?: string): string;
}

export function newRequestId(): string {
  return `request-${randomBytes(16).toString("hex")}`;
}

export function newRunId(): string {
  return `run-${randomBytes(16).toString("hex")}`;
}

/**
 * A temp workspace (`<root>/millrace-agents/{runs/<run>,state,entrypoints}`) plus a valid request
 * for `stage` (default builder) on task `task-demo-001`.
 */
export function createStageFixture(
  stage = "builder",
  overrides: Partial<StageRunRequestInput> = {},
  options: { root?: string } = {},
): StageFixture {
  const root = options.root ?? mkdtempSync(path.join(os.tmpdir(), "millrace-runner-"));
  const runtimeRoot = path.join(root, "millrace-agents");
  const runId = (overrides.run_id as string | undefined) ?? newRunId();
  const runDir = path.join(runtimeRoot, "runs", runId);
  const state = path.join(runtimeRoot, "state");
  for (const dir of [runDir, state, path.join(runtimeRoot, "tasks", "active")])
    mkdirSync(dir, { recursive: true });

  const build = (stageName: string, extra: Partial<StageRunRequestInput>): StageRunRequest => {
    const legality = STAGE_LEGALITY.find((entry) => entry.stageKindId === stageName);
    const plane: Plane = planeOfStage(stageName) ?? "execution";
    const outcomes: Record<string, string[]> = {};
    for (const [outcome, classes] of Object.entries(
      legality?.outcomes ?? {
        [`${stageName.toUpperCase()}_COMPLETE`]: ["success"],
        BLOCKED: ["blocked", "recoverable_failure"],
      },
    )) {
      outcomes[outcome] = [...classes];
    }
    const entrypoint = path.join(runtimeRoot, "entrypoints", plane, `${stageName}.md`);
    mkdirSync(path.dirname(entrypoint), { recursive: true });
    writeFileSync(entrypoint, `# ${stageName} Entry Instructions\n`);
    const input: StageRunRequestInput = {
      request_id: newRequestId(),
      run_id: runId,
      plane,
      stage: stageName,
      mode_id: "default_codex",
      compiled_plan_id: "plan-test",
      node_id: stageName,
      stage_kind_id: stageName,
      running_status_marker: runningMarkerToken(stageName),
      legal_terminal_markers: Object.keys(outcomes).map((outcome) => `### ${outcome}`),
      allowed_result_classes_by_outcome:
        outcomes as StageRunRequestInput["allowed_result_classes_by_outcome"],
      entrypoint_path: entrypoint,
      entrypoint_contract_id: `${stageName}.contract.v1`,
      active_work_item_kind: "task",
      active_work_item_id: "task-demo-001",
      active_work_item_path: path.join(runtimeRoot, "tasks", "active", "task-demo-001.md"),
      run_dir: runDir,
      summary_status_path: path.join(state, `${plane}_status.md`),
      runtime_snapshot_path: path.join(state, "runtime_snapshot.json"),
      recovery_counters_path: path.join(state, "recovery_counters.json"),
      preferred_troubleshoot_report_path: path.join(runDir, "troubleshoot_report.md"),
      timeout_seconds: 30,
      ...extra,
    };
    return StageRunRequestSchema.parse(input);
  };

  const request = build(stage, overrides);
  return {
    root,
    runtimeRoot,
    runDir,
    request,
    nextRequest: (extra = {}) => {
      const { request_id: _ignored, ...base } = overrides;
      return build((extra.stage as string | undefined) ?? stage, { ...base, ...extra, run_id: runId });
    },
    writeScript(script, name = "script.json") {
      const file = path.join(runtimeRoot, "scripted", name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(script, null, 2)}\n`);
      return file;
    },
  };
}

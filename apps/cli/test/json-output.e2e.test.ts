import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CLI_JSON_OUTPUTS,
  CliErrorOutputSchema,
  CompileGraphOutputSchema,
  CompileShowOutputSchema,
  CompileValidateOutputSchema,
  CompoundingItemListOutputSchema,
  CompoundingLintReportSchema,
  CompoundingOrientOutputSchema,
  CompoundingSummarySchema,
  ConfigShowOutputSchema,
  ConfigValidateOutputSchema,
  ControlResultOutputSchema,
  DemoOutputSchema,
  FullDoctorReportSchema,
  InitReportSchema,
  ModesListOutputSchema,
  ModesShowOutputSchema,
  PERSISTED_SCHEMAS,
  QueueEnqueueOutputSchema,
  QueueInterventionOutputSchema,
  QueueItemDetailSchema,
  QueueListingSchema,
  RunDaemonOutputSchema,
  RunDetailSchema,
  RunListingSchema,
  RunOnceOutputSchema,
  RunTailSchema,
  RunTraceGraphSchema,
  renderJsonOutputDoc,
  SkillListOutputSchema,
  StatusReportSchema,
  StatusWatchLineSchema,
  SupervisorFleetReportSchema,
  SupervisorReportSchema,
  UpgradeReportSchema,
  VersionOutputSchema,
} from "@millrace/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Runs a command with --json and checks its stdout against the schema; returns the parsed value. */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

function jsonOf<T>(schema: Schema<T>, args: string[], expectedStatus = 0): T {
  const run = runCli([...args, "--json"]);
  expect(run.status, `${args.join(" ")}\n${run.stderr}${run.stdout}`).toBe(expectedStatus);
  const parsed = schema.safeParse(run.json());
  if (!parsed.success) {
    throw new Error(`millrace ${args.join(" ")} --json does not match its schema:\n${parsed.error.message}`);
  }
  return parsed.data;
}

describe("every --json output matches its schema", () => {
  let ws: string;
  let demo: string;

  beforeAll(() => {
    ws = tempDir();
    jsonOf(InitReportSchema, ["init", ws]);
    demo = path.join(tempDir(), "demo");
    jsonOf(DemoOutputSchema, ["demo", demo]);
  }, 120_000);

  it("each documented schema is registered and has its generated file", () => {
    for (const entry of CLI_JSON_OUTPUTS) {
      expect(PERSISTED_SCHEMAS[entry.schema], entry.schema).toBeDefined();
      expect(
        existsSync(path.join(repoRoot, "packages", "contracts", "schemas", `${entry.schema}.schema.json`)),
      ).toBe(true);
    }
  });

  it("docs/json-output.md is up to date (regenerate with `pnpm docs:generate`)", async () => {
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path.join(repoRoot, "docs", "json-output.md"), "utf8")).toBe(renderJsonOutputDoc());
  });

  it("version, upgrade, config, doctor", () => {
    jsonOf(VersionOutputSchema, ["version"]);
    jsonOf(UpgradeReportSchema, ["upgrade", "-w", ws]);
    jsonOf(ConfigShowOutputSchema, ["config", "show", "-w", ws]);
    jsonOf(ConfigValidateOutputSchema, ["config", "validate", "-w", ws]);
    const bad = path.join(tempDir(), "bad.toml");
    writeFileSync(bad, "[runtime]\nnope = 1\n");
    const invalid = jsonOf(ConfigValidateOutputSchema, ["config", "validate", "-w", ws, "--config", bad], 1);
    expect(invalid.ok).toBe(false);
    const doctor = runCli(["doctor", "-w", demo, "--json"]);
    FullDoctorReportSchema.parse(doctor.json());
  });

  it("compile validate, show, graph; modes ls, show", () => {
    jsonOf(CompileValidateOutputSchema, ["compile", "validate", "-w", ws]);
    jsonOf(CompileShowOutputSchema, ["compile", "show", "-w", ws]);
    jsonOf(CompileShowOutputSchema, ["compile", "show", "-w", ws, "--mode", "default_claude"]);
    const graphs = jsonOf(CompileGraphOutputSchema, ["compile", "graph", "-w", ws]);
    expect(graphs.length).toBeGreaterThan(0);
    jsonOf(ModesListOutputSchema, ["modes", "ls", "-w", ws]);
    jsonOf(ModesShowOutputSchema, ["modes", "show", "default_codex", "-w", ws]);
  });

  it("queue add/import, ls, show, and an intervention", () => {
    const task = jsonOf(QueueEnqueueOutputSchema, [
      "add-task",
      "Write the parser",
      "--id",
      "task-json-1",
      "-w",
      ws,
    ]);
    expect(task.id).toBe("task-json-1");
    jsonOf(QueueEnqueueOutputSchema, ["add-spec", "A larger change", "-w", ws]);
    const idea = path.join(tempDir(), "idea.md");
    writeFileSync(idea, "# An idea\n\nSomething worth planning.\n");
    jsonOf(QueueEnqueueOutputSchema, ["add-idea", idea, "-w", ws]);
    jsonOf(QueueListingSchema, ["queue", "ls", "-w", ws]);
    jsonOf(QueueListingSchema, ["queue", "ls", "--kind", "task", "-w", ws]);
    jsonOf(QueueItemDetailSchema, ["queue", "show", "task-json-1", "-w", ws]);
    jsonOf(QueueInterventionOutputSchema, ["queue", "cancel", "task-json-1", "--reason", "test", "-w", ws]);
  });

  it("compounding and skills", () => {
    jsonOf(CompoundingSummarySchema, ["compounding", "-w", ws]);
    jsonOf(CompoundingItemListOutputSchema, ["compounding", "procedures", "-w", ws]);
    jsonOf(CompoundingItemListOutputSchema, ["compounding", "facts", "-w", ws]);
    jsonOf(CompoundingOrientOutputSchema, ["compounding", "orient", "-w", ws]);
    jsonOf(CompoundingLintReportSchema, ["compounding", "lint", "-w", ws]);
    jsonOf(SkillListOutputSchema, ["skills", "ls", "-w", ws]);
    const missing = runCli(["compounding", "procedures", "show", "proc.workspace.none", "--json", "-w", ws]);
    expect(missing.status).toBe(1);
    CliErrorOutputSchema.parse(missing.json());
  });

  it("status and status watch", () => {
    jsonOf(StatusReportSchema, ["status", "-w", ws]);
    const run = runCli([
      "status",
      "watch",
      ws,
      demo,
      "--max-updates",
      "1",
      "--interval-seconds",
      "0",
      "--json",
    ]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) StatusWatchLineSchema.parse(JSON.parse(line));
  });

  it("runs ls, show, tail, trace on the demo's runs", () => {
    const listing = jsonOf(RunListingSchema, ["runs", "ls", "-w", demo]);
    const runId = listing.runs[0]?.run_id;
    expect(runId).toBeDefined();
    jsonOf(RunDetailSchema, ["runs", "show", String(runId), "-w", demo]);
    jsonOf(RunTailSchema, ["runs", "tail", String(runId), "-w", demo]);
    jsonOf(RunTraceGraphSchema, ["runs", "trace", String(runId), "-w", demo]);
  });

  it("run once, run daemon and the control commands", () => {
    jsonOf(RunOnceOutputSchema, ["run", "once", "-w", demo]);
    jsonOf(RunDaemonOutputSchema, ["run", "daemon", "--max-ticks", "1", "-w", demo]);
    for (const command of ["pause", "resume", "reload-config", "retry-active", "clear-stale-state", "stop"]) {
      jsonOf(ControlResultOutputSchema, [command, "-w", demo]);
    }
  });

  it("supervisor report, for one workspace and a fleet", () => {
    jsonOf(SupervisorReportSchema, ["supervisor", "report", "-w", demo]);
    const fleet = jsonOf(SupervisorFleetReportSchema, ["supervisor", "report", "-w", demo, "-w", ws]);
    expect(fleet).toHaveLength(2);
  });

  it("errors are JSON too, with the documented exit status", () => {
    const missing = jsonOf(CliErrorOutputSchema, ["queue", "show", "task-nope", "-w", ws], 1);
    expect(missing.error.code).toBeTruthy();
    const usage = jsonOf(CliErrorOutputSchema, ["runs", "show", "-w", ws], 2);
    expect(usage.error.code).toBe("usage_invalid_argument");
    const notInit = jsonOf(CliErrorOutputSchema, ["status", "-w", tempDir()], 3);
    expect(notInit.error.code).toBe("workspace_not_initialized");
  });
});

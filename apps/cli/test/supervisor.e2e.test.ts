import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  ControlResultOutputSchema,
  SupervisorFleetReportSchema,
  SupervisorReportSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { fakeAgentBin, fakeAgentEnv } from "./fake-agents.js";
import { runCli as runCliRaw, tempDir } from "./helpers.js";

// The default mode runs on codex: with the fake on PATH its runner is ready, so the report reaches
// the reasons past runner_not_ready (which has its own test below).
const agents = fakeAgentEnv(fakeAgentBin());
const runCli = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
  runCliRaw(args, { ...options, env: { ...agents, ...options.env } });

function initWorkspace(): string {
  const ws = tempDir();
  expect(runCli(["init", ws]).status).toBe(0);
  return ws;
}

/** Runs an allowed action's argv with the built CLI (argv[0] is `millrace`). */
function runAction(argv: string[]) {
  expect(argv[0]).toBe("millrace");
  return runCli(argv.slice(1));
}

describe("millrace supervisor report", () => {
  it("reports runner_not_ready when the mode's agent CLI is missing, with doctor as the action", () => {
    const ws = initWorkspace();
    const run = runCliRaw(["supervisor", "report", "-w", ws, "--json"], {
      env: { PATH: path.dirname(process.execPath), CODEX_API_KEY: "" },
    });
    const report = SupervisorReportSchema.parse(run.json());
    expect(report.attention_reason).toBe("runner_not_ready");
    expect(report.attention_summary).toMatch(/codex/);
    expect(report.allowed_actions.map((a) => a.action)).toContain("doctor");
  });

  it("reports a fresh workspace as idle_no_work; its add-task action, run as given, is accepted", () => {
    const ws = initWorkspace();
    const run = runCli(["supervisor", "report", "-w", ws, "--json", "--issuer", "Ops Agent"]);
    expect(run.status, run.stderr).toBe(0);
    const report = SupervisorReportSchema.parse(run.json());
    expect(report.attention_reason).toBe("idle_no_work");
    const [add] = report.allowed_actions;
    expect(add?.argv).toEqual([
      "millrace",
      "add-task",
      "<title>",
      "--workspace",
      ws,
      "--issuer",
      "ops-agent",
    ]);
    const taken = runAction((add?.argv ?? []).map((arg) => (arg === "<title>" ? "From the report" : arg)));
    expect(taken.status, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(/^enqueued_task: millrace-agents\/tasks\/queue\/task-from-the-report/);
    const file = taken.stdout.split("\n")[0]?.split(": ")[1] as string;
    expect(readFileSync(path.join(ws, file), "utf8")).toContain("Created-By: ops-agent");
    const after = SupervisorReportSchema.parse(runCli(["supervisor", "report", "-w", ws, "--json"]).json());
    expect(after.attention_reason).toBe("idle_with_pending_work");
  });

  it("prints the attention block first in text", () => {
    const ws = initWorkspace();
    const run = runCli(["supervisor", "report", "-w", ws]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^workspace: .*\nattention_reason: idle_no_work\nattention_summary: idle: nothing queued\nallowed_action: millrace add-task '<title>' --workspace .* --issuer operator\nhealth: /,
    );
  });

  it("a fleet call gives an array; a missing workspace is not_bootstrapped and its init action works", () => {
    const ws = initWorkspace();
    const missing = path.join(tempDir(), "repo-b");
    const run = runCli(["supervisor", "report", "--workspace", ws, "--workspace", missing, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const fleet = SupervisorFleetReportSchema.parse(run.json());
    expect(fleet.map((entry) => [entry.workspace, entry.attention_reason])).toEqual([
      [ws, "idle_no_work"],
      [missing, "not_bootstrapped"],
    ]);
    const init = fleet[1]?.allowed_actions[0];
    expect(init?.argv.slice(0, 3)).toEqual(["millrace", "init", missing]);
    expect(runAction(init?.argv ?? []).status).toBe(0);
    const again = SupervisorReportSchema.parse(
      runCli(["supervisor", "report", "-w", missing, "--json"]).json(),
    );
    expect(again.attention_reason).toBe("idle_no_work");
  });

  it("health actions (doctor, usage) run as given", () => {
    const ws = initWorkspace();
    writeFileSync(path.join(ws, "millrace-agents", "state", "recovery_counters.json"), "{ nope");
    const report = SupervisorReportSchema.parse(runCli(["supervisor", "report", "-w", ws, "--json"]).json());
    expect(report.attention_reason).toBe("health_failed");
    const doctor = runAction(report.allowed_actions[0]?.argv ?? []);
    expect(doctor.stdout).toContain("recovery_counters_invalid");
  });

  it("bad options exit 2 with a hint and write nothing", () => {
    const ws = initWorkspace();
    for (const args of [
      ["--recent-events", "-1"],
      ["--stalled-after", "0"],
      ["--issuer", " "],
    ]) {
      const run = runCli(["supervisor", "report", "-w", ws, ...args]);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: .*\nhint: /);
    }
    expect(runCli(["supervisor", "nope", "-w", ws]).status).toBe(2);
  });
});

describe("--issuer on mutating commands", () => {
  it("is normalised and recorded in the result and the event; --actor still works", () => {
    const ws = initWorkspace();
    const pause = runCli(["pause", "-w", ws, "--issuer", " Night Shift ", "--json"]);
    expect(ControlResultOutputSchema.parse(pause.json())).toMatchObject({
      mode: "direct",
      issuer: "night-shift",
    });
    const resume = runCli(["resume", "-w", ws, "--actor", "Lead", "--json"]);
    expect(resume.json()).toMatchObject({ issuer: "lead" });
    const events = readFileSync(path.join(ws, "millrace-agents", "logs", "runtime_events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((event) => event.event_type === "control_command_applied")
      .map((event) => [event.data.command, event.data.issuer]);
    expect(events).toEqual([
      ["pause", "night-shift"],
      ["resume", "lead"],
    ]);
  });

  it("an empty issuer is refused with exit 2 and a hint, and nothing is written", () => {
    const ws = initWorkspace();
    for (const args of [
      ["pause"],
      ["add-task", "Title"],
      ["queue", "cancel", "task-x", "--reason", "r"],
      ["approvals", "approve", "approval-x"],
    ]) {
      const run = runCli([...args, "-w", ws, "--issuer", ""]);
      expect(run.status, `${args.join(" ")}: ${run.stderr}`).toBe(2);
    }
    const run = runCli(["pause", "-w", ws, "--issuer", "  "]);
    expect(run.stderr).toBe(
      'error: the issuer may not be empty\nhint: Pass --issuer NAME (for example --issuer ops-agent), or leave it out to act as "operator".\n',
    );
    const log = path.join(ws, "millrace-agents", "logs", "runtime_events.jsonl");
    expect(existsSync(log) ? readFileSync(log, "utf8") : "").not.toContain("control_command_applied");
  });

  it("--workspace twice is refused for other commands", () => {
    const ws = initWorkspace();
    const run = runCli(["status", "-w", ws, "-w", ws]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: --workspace was given 2 times\nhint: /);
  });
});

import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import {
  CliErrorOutputSchema,
  RecoveryRequestRecordSchema,
  SentinelCheckSchema,
  SentinelIncidentOutputSchema,
  SentinelStatusOutputSchema,
  SentinelWatchOutputSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

function initWorkspace(): string {
  const ws = tempDir();
  expect(runCli(["init", ws]).status).toBe(0);
  return ws;
}

function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error("timed out waiting"));
      setTimeout(poll, 50);
    };
    poll();
  });
}

describe("millrace sentinel and recovery request", () => {
  it("check, status, incident and recovery request print their schemas", () => {
    const ws = initWorkspace();
    const none = SentinelStatusOutputSchema.parse(runCli(["sentinel", "status", "-w", ws, "--json"]).json());
    expect(none).toMatchObject({ available: false, reason: "no-persisted-sentinel-state", state: null });
    const check = SentinelCheckSchema.parse(runCli(["sentinel", "check", "-w", ws, "--json"]).json());
    expect(check.state.checks_performed).toBe(1);
    const status = SentinelStatusOutputSchema.parse(
      runCli(["sentinel", "status", "-w", ws, "--json"]).json(),
    );
    expect(status.available).toBe(true);

    const incident = SentinelIncidentOutputSchema.parse(
      runCli([
        "sentinel",
        "incident",
        "--failure-signature",
        "builder_hang",
        "--summary",
        "the builder hangs",
        "--routing-target",
        "mechanic",
        "-w",
        ws,
        "--json",
      ]).json(),
    );
    expect(incident).toMatchObject({ routing_target: "mechanic", issuer: "sentinel", mode: "direct" });
    expect(existsSync(path.join(ws, incident.incident_path ?? "missing"))).toBe(true);

    const run = runCli([
      "recovery",
      "request",
      "troubleshoot",
      "--force-queue",
      "--reason",
      "stuck",
      "--actor",
      "Ops",
      "-w",
      ws,
      "--json",
    ]);
    expect(run.status, run.stderr).toBe(0);
    const record = RecoveryRequestRecordSchema.parse(run.json());
    expect(record).toMatchObject({
      target: "troubleshoot",
      issuer: "ops",
      reason: "stuck",
      source: "manual",
    });
  });

  it("refuses bad input with a one-line error, a hint and the documented exit status, writing nothing", () => {
    const ws = initWorkspace();
    const incoming = path.join(ws, "millrace-agents", "incidents", "incoming");
    const cases: Array<[string[], number, RegExp]> = [
      [["recovery", "request", "troubleshoot"], 2, /--force-queue/],
      [["recovery", "request", "doctor", "--force-queue"], 2, /unknown recovery target/],
      [["recovery", "request", "mechanic", "--force-queue", "--issuer", " "], 2, /issuer/],
      [["sentinel", "acknowledge", "--reason", "x"], 3, /has not checked/],
      [["sentinel", "acknowledge"], 2, /--reason/],
      [["sentinel", "incident", "--summary", "x"], 2, /--failure-signature/],
      [
        ["sentinel", "incident", "--summary", "x", "--failure-signature", "y", "--severity", "S9"],
        2,
        /severity/,
      ],
      [["sentinel", "watch", "--max-checks", "0"], 2, /--max-checks/],
      [["sentinel", "nope"], 2, /action/],
    ];
    for (const [args, status, message] of cases) {
      const run = runCli([...args, "-w", ws]);
      expect(run.status, args.join(" ")).toBe(status);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stdout).toBe("");
    }
    const json = runCli(["recovery", "request", "troubleshoot", "-w", ws, "--json"]);
    expect(CliErrorOutputSchema.parse(json.json()).error.code).toBe("recovery_force_queue_required");
    expect(readdirSync(incoming)).toEqual([]);
    const notInit = runCli(["sentinel", "check", "-w", tempDir()]);
    expect(notInit.status).toBe(3);
  });

  it("watch runs on the cadence and stops on SIGTERM with 143 (and --max-checks with 0)", async () => {
    const ws = initWorkspace();
    const config = path.join(ws, "millrace-agents", "millrace.toml");
    appendFileSync(config, "\n[sentinel]\ncadence = [{ after_seconds = 0, interval_seconds = 0.2 }]\n");
    const bounded = runCli(["sentinel", "watch", "--max-checks", "2", "-w", ws, "--json"]);
    expect(bounded.status, bounded.stderr).toBe(0);
    expect(SentinelWatchOutputSchema.parse(bounded.json())).toMatchObject({
      checks: 2,
      stop_reason: "max_checks_reached",
    });

    const child = spawn(process.execPath, [CLI_BIN, "sentinel", "watch", "-w", ws], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => stdout.includes("sentinel "), 30_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(stdout).toContain("sentinel watch stopped: interrupted");
  }, 60_000);
});

import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseFastPath } from "../src/fast-path.js";
import { runCli, tempDir } from "./helpers.js";

describe("the cold-start fast path", () => {
  it("takes status and queue ls with their common options", () => {
    expect(parseFastPath(["status"])).toMatchObject({
      module: "status",
      args: { action: "show", json: false },
    });
    // Not given: left for discovery upward from the current folder.
    expect(parseFastPath(["status"])?.args.workspace).toBeUndefined();
    expect(parseFastPath(["queue", "ls", "--summary", "--no-color"])).toMatchObject({
      args: { summary: true, color: false },
    });
    expect(parseFastPath(["status", "--json", "-w", "/ws"])).toMatchObject({
      args: { workspace: "/ws", json: true },
    });
    expect(parseFastPath(["--workspace=/ws", "status"])).toMatchObject({
      module: "status",
      args: { workspace: "/ws" },
    });
    expect(parseFastPath(["queue", "ls", "--kind", "task", "--state=queue"])).toMatchObject({
      module: "queue",
      args: { action: "ls", kind: "task", state: "queue", actor: "operator", all: false },
    });
    expect(parseFastPath(["queue", "ls", "--limit", "5", "--offset=10"])).toMatchObject({
      module: "queue",
      args: { action: "ls", limit: 5, offset: 10 },
    });
    expect(parseFastPath(["queue", "ls", "--all", "--json"])).toMatchObject({
      module: "queue",
      args: { action: "ls", all: true, json: true },
    });
    expect(
      parseFastPath(["runs", "ls", "--limit", "20", "--status=valid", "--item", "task-1"]),
    ).toMatchObject({
      module: "runs",
      args: { action: "ls", limit: 20, status: "valid", item: "task-1" },
    });
    expect(parseFastPath(["runs", "ls", "--limit", "20", "--offset", "40"])).toMatchObject({
      module: "runs",
      args: { action: "ls", limit: 20, offset: 40 },
    });
    expect(parseFastPath(["runs", "list", "--json"])).toMatchObject({
      module: "runs",
      args: { action: "list" },
    });
    expect(
      parseFastPath([
        "supervisor",
        "report",
        "--json",
        "--recent-events=3",
        "--stalled-after",
        "60",
        "--actor",
        "ops",
      ]),
    ).toMatchObject({
      module: "supervisor",
      args: {
        action: "report",
        recentEvents: 3,
        "recent-events": 3,
        stalledAfter: 60,
        issuer: "ops",
        json: true,
      },
    });
  });

  it("takes `run daemon` and `run once` with --mode, so a daemon never loads yargs", () => {
    expect(parseFastPath(["run", "daemon", "-w", "/ws"])).toMatchObject({
      module: "run",
      args: { mode_kind: "daemon", "until-idle": false, monitor: "none", workspace: "/ws", json: false },
    });
    expect(parseFastPath(["run", "once", "--mode=demo", "--json"])).toMatchObject({
      module: "run",
      args: { mode_kind: "once", mode: "demo", json: true },
    });
    expect(parseFastPath(["run", "daemon"])?.args).not.toHaveProperty("mode");
  });

  it("leaves everything else to yargs", () => {
    for (const argv of [
      ["status", "--help"],
      ["status", "watch"],
      ["status", "--bogus"],
      ["status", "--kind", "task"],
      ["status", "--summary"],
      ["queue", "show", "x"],
      ["queue", "ls", "extra"],
      ["queue", "ls", "--kind"],
      ["queue", "ls", "-w", "a", "-w", "b"],
      ["queue", "ls", "--limit", "2.5"],
      ["queue", "ls", "--offset", "-1"],
      ["queue", "ls", "--all", "--all", "--bogus"],
      ["queue", "show", "x", "--all"],
      ["status", "--item", "x"],
      ["runs", "ls", "--limit", "0"],
      ["runs", "ls", "--limit", "1.5"],
      ["runs", "ls", "--limit", "-3"],
      ["runs", "ls", "--kind", "task"],
      ["runs", "ls", "--summary"],
      ["runs", "show", "latest"],
      ["runs", "ls", "run-1"],
      ["supervisor", "report", "-w", "a", "-w", "b"],
      ["supervisor", "report", "--recent-events", "many"],
      ["supervisor", "report", "--limit", "2"],
      ["supervisor", "status"],
      ["version"],
      ["run"],
      ["run", "forever"],
      ["run", "daemon", "--mode"],
      ["run", "daemon", "--until-idle"],
      ["run", "daemon", "--monitor", "basic"],
      ["run", "daemon", "--max-ticks", "3"],
      ["run", "daemon", "--mode", "a", "--mode", "b"],
      ["run", "once", "extra"],
      ["status", "--mode", "demo"],
      [],
    ]) {
      expect(parseFastPath(argv), argv.join(" ")).toBeUndefined();
    }
  });

  it("answers exactly like the yargs route", () => {
    const root = path.join(tempDir(), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const fast = runCli(["queue", "ls", "--json", "-w", root]);
    // `--actor` is not on the fast path, so this spelling goes through yargs.
    const slow = runCli(["queue", "ls", "--json", "-w", root, "--actor", "operator"]);
    expect(fast.status).toBe(0);
    expect(fast.stdout).toBe(slow.stdout);
    // Paging and --all both ways: the same page, the same refusals.
    for (const args of [
      ["queue", "ls", "--limit", "1", "--offset", "1"],
      ["queue", "ls", "--all", "--json"],
      ["queue", "ls", "--all", "--limit", "2"],
      ["queue", "ls", "--limit", "0"],
    ]) {
      const quick = runCli([...args, "-w", root]);
      const full = runCli([...args, "-w", root, "--actor", "operator"]);
      expect(quick.status).toBe(full.status);
      expect(quick.stdout).toBe(full.stdout);
      expect(quick.stderr).toBe(full.stderr);
    }
    const bad = runCli(["queue", "ls", "--kind", "bogus", "-w", root]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown work-item kind "bogus"/);
    // `--format` is not on the fast path; both routes print the same listing and refuse the same value.
    for (const args of [
      ["runs", "ls", "--json"],
      ["runs", "ls", "--limit", "3", "--json"],
      ["runs", "ls", "--limit", "1", "--offset", "1"],
      ["runs", "ls"],
    ]) {
      const quick = runCli([...args, "-w", root]);
      const full = runCli([...args, "-w", root, "--format", "text"]);
      expect(quick.status, quick.stderr).toBe(0);
      expect(quick.stdout).toBe(full.stdout);
    }
    // Given twice, the workspace makes a fleet of two, which only yargs parses: its first report is
    // the same as the fast path's, but for the moment each was generated.
    const report = runCli(["supervisor", "report", "--json", "--recent-events", "2", "-w", root]);
    expect(report.status, report.stderr).toBe(0);
    const fleet = runCli(["supervisor", "report", "--json", "--recent-events", "2", "-w", root, "-w", root]);
    const drop = ({ generated_at: _g, time_in_status_seconds: _t, ...rest }: Record<string, unknown>) => rest;
    expect(drop(report.json<Record<string, unknown>>())).toEqual(
      drop(fleet.json<Record<string, unknown>[]>()[0]!),
    );
    const emptyIssuer = runCli(["supervisor", "report", "--issuer=", "-w", root]);
    expect(emptyIssuer.status).toBe(2);
    expect(emptyIssuer.stderr).toMatch(/^error: .*issuer/);
    // `run once` both ways: the same summary; a bad mode is refused the same way by both.
    const once = runCli(["run", "once", "--mode", "demo", "--json", "-w", root]);
    const onceSlow = runCli(["run", "once", "--mode", "demo", "--json", "-w", root, "--monitor", "none"]);
    expect(once.status, once.stderr).toBe(0);
    expect(once.stdout).toBe(onceSlow.stdout);
    const badMode = runCli(["run", "once", "--mode", "no_such_mode", "-w", root]);
    const badModeSlow = runCli(["run", "once", "--mode", "no_such_mode", "--monitor", "none", "-w", root]);
    expect(badMode.status).not.toBe(0);
    expect(badMode.status).toBe(badModeSlow.status);
    expect(badMode.stderr).toBe(badModeSlow.stderr);
    expect(badMode.stderr).toMatch(/^error: .*\nhint: /);
    const zero = runCli(["runs", "ls", "--limit", "0", "-w", root]);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/^error: --limit must be a whole number >= 1, got 0/);
  });
});

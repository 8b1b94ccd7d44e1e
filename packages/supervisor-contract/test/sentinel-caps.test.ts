import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SentinelCheckSchema } from "@millrace/contracts";
import { createEngine } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import {
  acknowledgeSentinel,
  addTaskRequest,
  sentinelCheck,
  sentinelPaths,
  sentinelStatus,
  submitControl,
  supervisorReport,
} from "../src/index.js";
import { demoWorkspace, idsIn, type TestWorkspace, tempDir } from "./helpers.js";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const at = (seconds: number) => () => new Date(T0 + seconds * 1000);

/** A notification command that appends its stdin to a file (a real child process, argv only). */
function notifyConfig(ws: TestWorkspace, outFile: string): void {
  const script = path.join(tempDir("millrace-notify-"), "notify.mjs");
  writeFileSync(
    script,
    `import { appendFileSync, readFileSync } from "node:fs";\nappendFileSync(process.argv[2], readFileSync(0, "utf8"));\n`,
  );
  const config = readFileSync(ws.paths.configFile, "utf8");
  writeFileSync(
    ws.paths.configFile,
    `${config}\n[sentinel]\nno_progress_seconds = 60\nsoft_cap = 2\nhard_cap = 3\nnotify_command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}, ${JSON.stringify(outFile)}]\ncadence = [{ after_seconds = 0, interval_seconds = 30 }, { after_seconds = 120, interval_seconds = 90 }]\n`,
  );
}

function notifications(file: string): Array<{ trigger: string; recovery_request_id: string }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** The data of every `sentinel_acknowledged` runtime event, oldest first. */
function acknowledgedEvents(ws: TestWorkspace): unknown[] {
  if (!existsSync(ws.paths.runtimeEvents)) return [];
  return readFileSync(ws.paths.runtimeEvents, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((event) => event.event_type === "sentinel_acknowledged")
    .map((event) => event.data);
}

/** Takes a `sentinel acknowledge` allowed action the way its argv says (workspace, reason, issuer). */
function takeAcknowledgeAction(argv: readonly string[]) {
  const value = (flag: string) => argv[argv.indexOf(flag) + 1] as string;
  expect(argv.slice(0, 3)).toEqual(["millrace", "sentinel", "acknowledge"]);
  return acknowledgeSentinel(value("--workspace"), {
    reason: value("--reason"),
    ...(argv.includes("--issuer") ? { issuer: value("--issuer") } : {}),
  });
}

describe("Sentinel over a run that does not move", () => {
  it("escalates, stops at the soft then the hard cap until acknowledged, notifies, and resets on progress", async () => {
    const ws = demoWorkspace({ rules: [] });
    const outFile = path.join(tempDir("millrace-notified-"), "notified.jsonl");
    notifyConfig(ws, outFile);
    const task = addTaskRequest({ title: "Pending", id: "task-pending", createdBy: "operator" });
    submitControl(ws.root, task.command, task.payload);

    const first = await sentinelCheck(ws.root, { clock: at(0) });
    expect(SentinelCheckSchema.parse(first)).toBeTruthy();
    expect(first).toMatchObject({
      status: "healthy",
      progress: "unknown",
      attention_reason: "idle_with_pending_work",
    });
    expect(first.next_check_at).toBe("2030-01-01T00:00:30Z");

    const quiet = await sentinelCheck(ws.root, { clock: at(30) });
    expect(quiet).toMatchObject({ status: "healthy", progress: "unchanged", recovery_request_id: null });

    const one = await sentinelCheck(ws.root, { clock: at(61) });
    expect(one).toMatchObject({ status: "recovery_queued", progress: "stale", recovery_mode: "direct" });
    expect(one.state.recovery_requests_queued).toBe(1);
    // The incident it queued is in the planning plane's intake, and it does not count as progress.
    const incidents = idsIn(ws.paths.queues.incident.queue);
    expect(incidents).toEqual([`incident-${one.recovery_request_id}`]);
    const waiting = await sentinelCheck(ws.root, { clock: at(100) });
    expect(waiting).toMatchObject({ status: "monitoring", progress: "stale", recovery_request_id: null });

    // The cadence backs off once nothing has changed for 120 s.
    const two = await sentinelCheck(ws.root, { clock: at(125) });
    expect(two).toMatchObject({ status: "suppressed", recovery_request_id: expect.any(String) });
    expect(two.state).toMatchObject({
      soft_cap_reached: true,
      acknowledgment_required: true,
      interval_seconds: 90,
    });
    expect(two.next_check_at).toBe("2030-01-01T00:03:35Z");

    const refused = await sentinelCheck(ws.root, { clock: at(400) });
    expect(refused).toMatchObject({ status: "suppressed", recovery_request_id: null });
    expect(refused.state.recovery_requests_queued).toBe(2);

    // The supervisor report offers the acknowledgement while the cap waits for it.
    const offered = await supervisorReport(ws.root, { issuer: "ops-agent" });
    const softAction = offered.allowed_actions.find((a) => a.action === "sentinel_acknowledge");
    expect(softAction).toMatchObject({ request: null, description: expect.stringMatching(/soft cap/) });
    expect(softAction?.argv).toEqual([
      "millrace",
      "sentinel",
      "acknowledge",
      "--reason",
      "supervisor: soft cap reviewed",
      "--workspace",
      ws.root,
      "--issuer",
      "ops-agent",
    ]);

    const soft = acknowledgeSentinel(ws.root, {
      issuer: "Ops Agent",
      reason: "looked at it",
      clock: at(401),
    });
    expect(soft).toMatchObject({ acknowledgment_required: false, recovery_requests_queued: 2 });
    expect(soft.last_acknowledgment).toMatchObject({ issuer: "ops-agent", cap: "soft" });
    expect(acknowledgedEvents(ws)).toEqual([
      { issuer: "ops-agent", reason: "looked at it", cap: "soft", recovery_requests_queued: 2 },
    ]);
    const cleared = await supervisorReport(ws.root);
    expect(cleared.allowed_actions.map((a) => a.action)).not.toContain("sentinel_acknowledge");

    const three = await sentinelCheck(ws.root, { clock: at(402) });
    expect(three).toMatchObject({ status: "escalated", recovery_request_id: expect.any(String) });
    expect(three.state).toMatchObject({ hard_cap_reached: true, acknowledgment_required: true });
    const still = await sentinelCheck(ws.root, { clock: at(900) });
    expect(still).toMatchObject({ status: "escalated", recovery_request_id: null });
    expect(idsIn(ws.paths.queues.incident.queue)).toHaveLength(3);

    expect(notifications(outFile).map((n) => n.trigger)).toEqual(["recovery_queued", "soft_cap", "hard_cap"]);
    expect(notifications(outFile)[2]?.recovery_request_id).toBe(three.recovery_request_id);
    expect(still.state.last_notification).toMatchObject({ trigger: "hard_cap", ok: true, command: "exit 0" });

    // The supervisor report shows the same state to an ops agent.
    const report = await supervisorReport(ws.root);
    expect(report.sentinel).toMatchObject({
      available: true,
      status: "escalated",
      hard_cap_reached: true,
      acknowledgment_required: true,
      recovery_requests_queued: 3,
    });
    // The persisted state is what status shows; every check is one line of checks.jsonl.
    const status = sentinelStatus(ws.root);
    expect(status).toMatchObject({ available: true, state: { status: "escalated" } });
    const files = sentinelPaths(ws.paths);
    expect(readFileSync(files.checksFile, "utf8").trim().split("\n")).toHaveLength(8);
    expect(readdirCount(files.recoveryRequestsDir)).toBe(3);
    // The hard cap's acknowledgement, taken as the report's argv says, is accepted and recorded.
    const hardAction = report.allowed_actions.find((a) => a.action === "sentinel_acknowledge");
    expect(hardAction?.description).toMatch(/hard cap/);
    const taken = takeAcknowledgeAction(hardAction?.argv ?? []);
    expect(taken).toMatchObject({ acknowledgment_required: false, recovery_requests_queued: 0 });
    expect(acknowledgedEvents(ws).at(-1)).toEqual({
      issuer: "operator",
      reason: "supervisor: hard cap reviewed",
      cap: "hard",
      recovery_requests_queued: 3,
    });

    // Progress: the engine runs the pending work; the next check resets the caps.
    const engine = createEngine({ workspace: ws.root });
    await engine.start();
    try {
      await engine.runDaemon({ untilIdle: true });
    } finally {
      await engine.close();
    }
    const moved = await sentinelCheck(ws.root, { clock: at(1000) });
    expect(moved.progress).toBe("progressing");
    expect(moved.changed.length).toBeGreaterThan(0);
    expect(moved.state).toMatchObject({
      recovery_requests_queued: 0,
      soft_cap_reached: false,
      hard_cap_reached: false,
      acknowledgment_required: false,
    });
    expect(moved.status).not.toBe("escalated");
  });

  it("refuses to acknowledge when no cap is pending, and writes nothing", async () => {
    const ws = demoWorkspace();
    expect(() => acknowledgeSentinel(ws.root, { reason: "x" })).toThrow(/has not checked this workspace yet/);
    await sentinelCheck(ws.root, { clock: at(0) });
    const before = readFileSync(sentinelPaths(ws.paths).stateFile, "utf8");
    expect(() => acknowledgeSentinel(ws.root, { reason: "x" })).toThrow(/no cap waits/);
    expect(() => acknowledgeSentinel(ws.root, { reason: " " })).toThrow(/--reason/);
    expect(readFileSync(sentinelPaths(ws.paths).stateFile, "utf8")).toBe(before);
  });

  it("is neutral on an idle workspace and records disabled when the config says so", async () => {
    const ws = demoWorkspace();
    await sentinelCheck(ws.root, { clock: at(0) });
    const idle = await sentinelCheck(ws.root, { clock: at(100_000) });
    expect(idle).toMatchObject({ status: "healthy", progress: "unchanged", reason: "idle-idle-no-work" });
    writeFileSync(
      ws.paths.configFile,
      `${readFileSync(ws.paths.configFile, "utf8")}\n[sentinel]\nenabled = false\n`,
    );
    const off = await sentinelCheck(ws.root, { clock: at(100_001) });
    expect(off).toMatchObject({ status: "disabled", next_check_at: null });
  });
});

function readdirCount(dir: string): number {
  return readdirSync(dir).length;
}

describe("Sentinel state on disk", () => {
  it("refuses a damaged state file with a hint instead of starting over", async () => {
    const ws = demoWorkspace();
    await sentinelCheck(ws.root, { clock: at(0) });
    const file = sentinelPaths(ws.paths).stateFile;
    writeFileSync(file, "{ not json");
    await expect(sentinelCheck(ws.root, { clock: at(10) })).rejects.toMatchObject({
      code: "engine_state_invalid",
    });
    expect(() => sentinelStatus(ws.root)).toThrow(/not a Sentinel state/);
    expect((await supervisorReport(ws.root)).sentinel).toMatchObject({
      available: false,
      reason: "sentinel-state-unreadable",
    });
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { RecoveryRequestRecordSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  requestRecovery,
  sentinelCheck,
  sentinelPaths,
  sentinelStatus,
  sentinelWatch,
  submitControl,
  submitSentinelIncident,
} from "../src/index.js";
import { demoWorkspace, idsIn, listTree, slowBuilderWorkspace, whileBuilderRuns } from "./helpers.js";

describe("Sentinel against a live daemon", () => {
  it("sees the scripted stage stall and queues a recovery request through the daemon's mailbox", async () => {
    const ws = slowBuilderWorkspace();
    writeFileSync(
      ws.paths.configFile,
      `${readFileSync(ws.paths.configFile, "utf8")}\n[sentinel]\nno_progress_seconds = 60\n`,
    );
    await whileBuilderRuns(ws, async (daemon) => {
      const now = Date.now();
      const first = await sentinelCheck(ws.root, { clock: () => new Date(now) });
      expect(first.attention_reason).toBe("working");
      // Seen from 20 minutes later: the report says stalled and the signature has not moved.
      const later = await sentinelCheck(ws.root, { clock: () => new Date(now + 1_200_000) });
      expect(later).toMatchObject({
        attention_reason: "stalled",
        progress: "stale",
        status: "recovery_queued",
      });
      expect(later.recovery_mode).toBe("mailbox");
      submitControl(ws.root, "stop", {}, { issuer: "test" });
      await daemon;
    });
  });
});

describe("sentinel watch", () => {
  it("sleeps until the persisted next check, resumes the schedule after a restart, and stops on abort", async () => {
    const ws = demoWorkspace();
    writeFileSync(
      ws.paths.configFile,
      `${readFileSync(ws.paths.configFile, "utf8")}\n[sentinel]\ncadence = [{ after_seconds = 0, interval_seconds = 0.3 }]\n`,
    );
    const started = Date.now();
    const seen: string[] = [];
    const two = await sentinelWatch(ws.root, {
      maxChecks: 2,
      onCheck: (check) => seen.push(check.checked_at),
    });
    expect(two).toMatchObject({ checks: 2, stop_reason: "max_checks_reached" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // A new watch waits for the check already scheduled on disk rather than checking at once.
    const due = Date.parse(sentinelStatus(ws.root).state?.next_check_at ?? "");
    const resumed = await sentinelWatch(ws.root, { maxChecks: 1 });
    expect(Date.parse(resumed.last?.checked_at ?? "")).toBeGreaterThanOrEqual(due - 1000);
    expect(resumed.last?.state.checks_performed).toBe(3);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const stopped = await sentinelWatch(ws.root, { signal: controller.signal });
    expect(stopped.stop_reason).toBe("interrupted");
    await expect(sentinelWatch(ws.root, { maxChecks: 0 })).rejects.toThrow(/--max-checks/);
  });
});

describe("recovery request and sentinel incident", () => {
  it("queues an incident routed to the mechanic, records the request, and refuses without --force-queue", async () => {
    const ws = demoWorkspace();
    const before = listTree(ws.paths.runtimeRoot);
    await expect(requestRecovery(ws.root, { target: "mechanic", forceQueue: false })).rejects.toMatchObject({
      code: "recovery_force_queue_required",
    });
    await expect(requestRecovery(ws.root, { target: "doctor", forceQueue: true })).rejects.toThrow(
      /unknown recovery target/,
    );
    await expect(
      requestRecovery(ws.root, { target: "mechanic", forceQueue: true, issuer: " " }),
    ).rejects.toThrow(/issuer/);
    expect(listTree(ws.paths.runtimeRoot)).toEqual(before);

    const record = await requestRecovery(ws.root, {
      target: "mechanic",
      forceQueue: true,
      reason: "planning is wedged",
      issuer: "Ops",
    });
    expect(RecoveryRequestRecordSchema.parse(record)).toMatchObject({
      target: "mechanic",
      issuer: "ops",
      source: "manual",
      mode: "direct",
      reason: "planning is wedged",
    });
    expect(idsIn(ws.paths.queues.incident.queue)).toEqual([record.incident_id]);
    const text = readFileSync(`${ws.root}/${record.incident_path}`, "utf8");
    expect(text).toMatch(/mechanic/);
    const latest = JSON.parse(readFileSync(sentinelPaths(ws.paths).latestRecoveryRequest, "utf8"));
    expect(latest.request_id).toBe(record.request_id);

    const incident = submitSentinelIncident(ws.root, {
      failureSignature: "builder_hang",
      summary: "the builder hangs on every task",
      severity: "high",
      routingTarget: "troubleshoot",
    });
    expect(incident).toMatchObject({ issuer: "sentinel", mode: "direct", severity: "high" });
    expect(idsIn(ws.paths.queues.incident.queue)).toContain(incident.incident_id);
    expect(() => submitSentinelIncident(ws.root, { failureSignature: "x", summary: "two\nlines" })).toThrow(
      /incident is invalid/,
    );
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { StageResultEnvelope } from "@millrace/contracts";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { afterEach, describe, expect, it } from "vitest";
import { BasicMonitorFormatter } from "../../src/index.js";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { completedStages, eventsOfType, locate, readJson, scenarioWorkspace } from "./helpers.js";

/** The builder stage runs the fake Codex CLI in this scenario; every other stage stays scripted. */
function fakeCodexBuilder(scenario: string, timeoutSeconds: number): string {
  return [
    "[stages.builder]",
    'runner = "codex_cli"',
    `timeout_seconds = ${timeoutSeconds}`,
    "",
    "[runners.codex]",
    `command = ${JSON.stringify(process.execPath)}`,
    `args = [${JSON.stringify(FAKE_CODEX_PATH)}, "exec"]`,
    `env = { CODEX_API_KEY = "sk-fake-codex-key-000", FAKE_SCENARIO = "${scenario}" }`,
    "",
  ].join("\n");
}

function livenessConfig(lines: string[], responses: Record<string, string>): string {
  const table = Object.entries(responses).map(([grade, response]) => `${grade} = "${response}"`);
  return ["[liveness]", ...lines, "", "[liveness.responses]", ...table, ""].join("\n");
}

function livenessEvents(ws: TestWorkspace) {
  return eventsOfType(ws, "liveness_changed").map((event) => event.data as Record<string, unknown>);
}

function parkedItems(ws: TestWorkspace): Array<Record<string, unknown>> {
  const file = path.join(ws.paths.state, "usage_governance_parked.json");
  return existsSync(file) ? (readJson<{ items: Array<Record<string, unknown>> }>(file).items ?? []) : [];
}

/** No stage process record is left: every agent the engine started is gone. */
function stageRecords(ws: TestWorkspace): string[] {
  const dir = path.join(ws.paths.runtimeRoot, "state", "stage_processes");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A local webhook receiver answering `status`; returns its URL and the bodies it received. */
async function webhook(status: number): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      response.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies };
}

describe("liveness: running stages are classified while they run and answered once per grade", () => {
  it("a fake agent that goes silent is quiet, then hung, and pause_item parks its task and kills it", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      fakeCodexBuilder("silent", 600) +
        livenessConfig(
          ["check_interval_seconds = 0.2", "quiet_after_seconds = 1", "hang_after_seconds = 2"],
          { quiet: "note", hung: "pause_item" },
        ),
    );
    enqueueTask(ws, "task-silent");
    const { report, events } = await runUntilIdle(ws, {}, 50);
    expect(report.stopReason).toBe("idle");

    // (On a slow machine the agent may be quiet before its first line, then progress once.)
    const changes = livenessEvents(ws).filter((change) => change.grade !== "progressing");
    expect(changes.map((change) => [change.stage, change.grade, change.response])).toEqual([
      ["builder", "quiet", "note"],
      ["builder", "hung", "pause_item"],
    ]);
    expect(String(changes[1]?.reason)).toMatch(/^no output for [\d.]+s \(hang threshold 2s\)$/);

    // Parked with the reason, back in the queue, its result set aside (never routed).
    const [parked] = eventsOfType(ws, "work_item_parked");
    expect(parked?.data).toMatchObject({ work_item_id: "task-silent", plane: "execution" });
    expect(String(parked?.data.reason)).toMatch(/^liveness: hung: no output for/);
    expect(parkedItems(ws)).toEqual([
      expect.objectContaining({
        work_item_id: "task-silent",
        resume: expect.objectContaining({ stage: "builder" }),
      }),
    ]);
    expect(locate(ws, "task-silent")).toEqual(["task/queue"]);
    expect(completedStages(ws)).toEqual([]);
    expect(stageRecords(ws)).toEqual([]);
    // The monitor saw every change; the basic monitor prints one line per change.
    const formatter = new BasicMonitorFormatter();
    const lines = events.flatMap((event) => formatter.format(event));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[\d\d:\d\d:\d\d\] liveness execution\/builder run=[0-9a-f]{8} work=task-silent \w+->hung response=pause_item reason=no output for /,
      ),
    );
    expect(events.filter((event) => event.type === "liveness_changed").length).toBe(
      livenessEvents(ws).length,
    );
  });

  it("hung with recovery_request hands the stage to the troubleshooter at once (not at its deadline)", async () => {
    const ws = scenarioWorkspace(
      {
        rules: [
          {
            stage: "builder",
            attempt: 1,
            actions: [{ type: "print", text: "working..." }, { type: "hang" }],
          },
        ],
      },
      "subprocess = true\n\n[stages.builder]\ntimeout_seconds = 600\n\n" +
        livenessConfig(
          ["check_interval_seconds = 0.2", "quiet_after_seconds = 1", "hang_after_seconds = 2"],
          { hung: "recovery_request" },
        ),
    );
    enqueueTask(ws, "task-hung");
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "builder:BLOCKED",
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    const first = eventsOfType(ws, "stage_completed")[0];
    expect(first?.data.failure_class).toBe("runner_timeout");
    const envelope = readJson<StageResultEnvelope>(
      path.join(
        ws.paths.runs,
        String(first?.data.run_id),
        "stage_results",
        `${String(first?.data.request_id)}.json`,
      ),
    );
    expect(envelope.metadata.liveness).toMatchObject({ grade: "hung", response: "recovery_request" });
    expect(envelope.notes.at(-1)).toMatch(/^liveness: hung: .*handed to recovery$/);
    // (A slow machine may see other stages go quiet too; the stopped builder's last grade is hung.)
    const builder = livenessEvents(ws).filter((change) => change.request_id === first?.data.request_id);
    expect(builder.at(-1)).toMatchObject({ grade: "hung", response: "recovery_request" });
    expect(locate(ws, "task-hung")).toEqual(["task/done"]);
  });

  it("notify runs the command (argv, payload on stdin) and POSTs the webhook; a failed POST is recorded, not fatal", async () => {
    const hook = await webhook(500);
    const out = path.join(os.tmpdir(), `millrace-liveness-notify-${process.pid}-${Date.now()}.json`);
    const script = `require("node:fs").writeFileSync(process.argv[1], require("node:fs").readFileSync(0))`;
    const ws = scenarioWorkspace(
      {
        rules: [
          {
            stage: "builder",
            attempt: 1,
            actions: [{ type: "print", text: "working..." }, { type: "hang" }],
          },
        ],
      },
      // hang_after_seconds is left out: it defaults to half the builder's 4 s timeout.
      "subprocess = true\n\n[stages.builder]\ntimeout_seconds = 4\n\n" +
        livenessConfig(
          [
            "check_interval_seconds = 0.2",
            "quiet_after_seconds = 0.5",
            `notify_command = [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(script)}, ${JSON.stringify(out)}]`,
            `webhook_url = "${hook.url}"`,
          ],
          { hung: "notify" },
        ),
    );
    enqueueTask(ws, "task-notify");
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");

    const hung = livenessEvents(ws).find((change) => change.grade === "hung" && change.stage === "builder");
    expect(String(hung?.reason)).toMatch(/\(hang threshold 2s\)$/);
    const payload = JSON.parse(readFileSync(out, "utf8"));
    expect(payload).toMatchObject({
      kind: "millrace_liveness",
      grade: "hung",
      previous: "quiet",
      response: "notify",
      stage: "builder",
      work_item_id: "task-notify",
    });
    expect(hook.bodies).toContainEqual(expect.objectContaining({ grade: "hung", stage: "builder" }));
    const notified = eventsOfType(ws, "liveness_notified").map((event) => event.data);
    expect(notified).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: "command", ok: true, detail: "exit 0", grade: "hung" }),
        expect.objectContaining({ channel: "webhook", ok: false, detail: "HTTP 500", grade: "hung" }),
      ]),
    );
    // notify does not stop the stage: its deadline does, and the task recovers as usual.
    expect(eventsOfType(ws, "stage_completed")[0]?.data.failure_class).toBe("runner_timeout");
    expect(locate(ws, "task-notify")).toEqual(["task/done"]);
  });

  it("an item whose builder keeps returning the same result is looping; pause_item parks it before the next stage starts", async () => {
    const ws = scenarioWorkspace(
      { rules: [{ stage: "builder", actions: [{ type: "marker", token: "BLOCKED" }] }] },
      livenessConfig(["loop_repeats = 2"], { looping: "pause_item" }),
    );
    enqueueTask(ws, "task-loop");
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "builder:BLOCKED",
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BLOCKED",
    ]);
    const changes = livenessEvents(ws);
    expect(changes).toEqual([
      expect.objectContaining({
        stage: "troubleshooter",
        grade: "looping",
        response: "pause_item",
        reason: "builder returned BLOCKED 2 times in a row for task-loop",
      }),
    ]);
    expect(parkedItems(ws)).toEqual([expect.objectContaining({ work_item_id: "task-loop" })]);
    expect(locate(ws, "task-loop")).toEqual(["task/queue"]);
  });

  it("looping answered by recovery_request hands the item to recovery once, then counts afresh", async () => {
    const ws = scenarioWorkspace(
      { rules: [{ stage: "builder", actions: [{ type: "marker", token: "BLOCKED" }] }] },
      livenessConfig(["loop_repeats = 2"], { looping: "recovery_request" }),
    );
    enqueueTask(ws, "task-loop-recover");
    const { report } = await runUntilIdle(ws, {}, 200);
    expect(report.stopReason).toBe("idle");
    const stages = completedStages(ws);
    const looping = livenessEvents(ws).filter((change) => change.grade === "looping");
    // Each answer needs two fresh BLOCKED results of the builder first.
    const builderBlocked = stages.filter((stage) => stage === "builder:BLOCKED").length;
    expect(looping.length).toBeGreaterThan(0);
    expect(looping.length).toBeLessThanOrEqual(Math.floor(builderBlocked / 2));
    expect(looping.every((change) => change.response === "recovery_request")).toBe(true);
    // The recovery budgets still end it: the item is blocked, not spinning.
    expect(locate(ws, "task-loop-recover")).toEqual(["task/blocked"]);
  });

  it("a fake agent that fails transiently in a burst is a retry storm", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      fakeCodexBuilder("server-error", 60) +
        livenessConfig(["retry_storm_failures = 2", "retry_storm_window_seconds = 600"], {
          retry_storm: "pause_item",
        }),
    );
    enqueueTask(ws, "task-storm");
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");
    const failures = eventsOfType(ws, "stage_completed").map((event) => event.data.failure_class);
    expect(failures).toEqual(["provider_failure", null, "provider_failure"]);
    expect(livenessEvents(ws)).toEqual([
      expect.objectContaining({
        grade: "retry_storm",
        response: "pause_item",
        reason: "2 provider or transport failures of this item in the last 600s (threshold 2)",
      }),
    ]);
    expect(parkedItems(ws)).toEqual([expect.objectContaining({ work_item_id: "task-storm" })]);
  });

  it("with [liveness] enabled = false nothing is watched", async () => {
    const ws = scenarioWorkspace(
      { rules: [{ stage: "builder", actions: [{ type: "marker", token: "BLOCKED" }] }] },
      '[liveness]\nenabled = false\nloop_repeats = 2\n\n[liveness.responses]\nlooping = "pause_item"\n',
    );
    enqueueTask(ws, "task-off");
    await runUntilIdle(ws, {}, 100);
    expect(livenessEvents(ws)).toEqual([]);
    expect(parkedItems(ws)).toEqual([]);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { addTaskRequest, sentinelCheck, submitControl } from "../src/index.js";
import { demoWorkspace } from "./helpers.js";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const at = (seconds: number) => () => new Date(T0 + seconds * 1000);

describe("Sentinel notifications", () => {
  it("POSTs the notification to the webhook, and records a failing command without stopping the check", async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push(JSON.parse(body));
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const ws = demoWorkspace();
      writeFileSync(
        ws.paths.configFile,
        `${readFileSync(ws.paths.configFile, "utf8")}\n[sentinel]\nno_progress_seconds = 10\nsoft_cap = 5\nhard_cap = 5\nrecovery_target = "mechanic"\nwebhook_url = "http://127.0.0.1:${port}/hook"\nnotify_command = [${JSON.stringify(process.execPath)}, "-e", "process.exit(3)"]\n`,
      );
      const task = addTaskRequest({ title: "Pending", id: "task-pending", createdBy: "operator" });
      submitControl(ws.root, task.command, task.payload);
      await sentinelCheck(ws.root, { clock: at(0) });
      const queued = await sentinelCheck(ws.root, { clock: at(11) });
      expect(queued.status).toBe("recovery_queued");
      expect(queued.recovery_request_id).toMatch(/-mechanic$/);
      expect(queued.notification).toMatchObject({
        trigger: "recovery_queued",
        ok: false,
        command: "exit 3",
        webhook: "HTTP 204",
      });
      expect(received).toEqual([
        expect.objectContaining({
          kind: "sentinel_notification",
          trigger: "recovery_queued",
          recovery_request_id: queued.recovery_request_id,
        }),
      ]);
    } finally {
      server.close();
    }
  });

  it("refuses a [sentinel] table with hard_cap below soft_cap or a cadence not starting at 0", async () => {
    const ws = demoWorkspace();
    const base = readFileSync(ws.paths.configFile, "utf8");
    writeFileSync(ws.paths.configFile, `${base}\n[sentinel]\nsoft_cap = 3\nhard_cap = 2\n`);
    await expect(sentinelCheck(ws.root)).rejects.toThrow(/hard_cap.*at least soft_cap/s);
    writeFileSync(
      ws.paths.configFile,
      `${base}\n[sentinel]\ncadence = [{ after_seconds = 5, interval_seconds = 10 }]\n`,
    );
    await expect(sentinelCheck(ws.root)).rejects.toThrow(/first step must be 0/);
    writeFileSync(ws.paths.configFile, `${base}\n[sentinel]\nwebhook_url = "ftp://x"\n`);
    await expect(sentinelCheck(ws.root)).rejects.toThrow(/http/);
  });
});

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type AllowedAction, type SupervisorReport, SupervisorReportSchema } from "@millrace/contracts";
import { renderWorkDocument } from "@millrace/queue-store";
import { acquireLock } from "@millrace/workspace";
import { expect } from "vitest";
import { submitControl, supervisorReport } from "../src/index.js";
import type { TestWorkspace } from "./helpers.js";

export function editSnapshot(ws: TestWorkspace, change: Record<string, unknown>): void {
  const snapshot = JSON.parse(readFileSync(ws.paths.snapshot, "utf8"));
  writeFileSync(ws.paths.snapshot, `${JSON.stringify({ ...snapshot, ...change }, null, 2)}\n`);
}

/** A pid that belonged to a process which has exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "0"]);
  return child.pid as number;
}

/** The ownership lock as a crashed daemon leaves it: its owner is gone. */
export function orphanLock(ws: TestWorkspace): void {
  acquireLock(ws.paths, { pid: deadPid(), startTime: null });
  editSnapshot(ws, { process_running: true });
}

export function blockedTask(ws: TestWorkspace, id: string): void {
  const text = renderWorkDocument({
    kind: "task",
    task_id: id,
    title: `Blocked ${id}`,
    target_paths: ["."],
    acceptance: ["works"],
    required_checks: ["true"],
    references: ["none"],
    risk: ["low"],
    depends_on: [],
    created_at: "2026-04-28T10:00:00Z",
    created_by: "test",
  } as never);
  writeFileSync(path.join(ws.paths.queues.task.blocked, `${id}.md`), text);
  writeFileSync(ws.paths.statusFiles.execution, "### BLOCKED\n");
}

/** Reports, checks the schema, the reason and the summary. */
export async function expectReason(
  ws: TestWorkspace | string,
  reason: SupervisorReport["attention_reason"],
  summary: RegExp,
  options: Parameters<typeof supervisorReport>[1] = {},
): Promise<SupervisorReport> {
  const root = typeof ws === "string" ? ws : ws.root;
  const report = SupervisorReportSchema.parse(await supervisorReport(root, options));
  expect(report.attention_reason, report.attention_summary).toBe(reason);
  expect(report.attention_summary).toMatch(summary);
  return report;
}

/** Takes every allowed action that is a control request through the package: each must be accepted. */
export function takeActions(ws: TestWorkspace, actions: AllowedAction[]): string[] {
  const taken: string[] = [];
  for (const action of actions) {
    expect(action.argv[0]).toBe("millrace");
    expect(action.argv).toContain("--workspace");
    if (!action.request) continue;
    expect(action.argv.slice(-2)).toEqual(["--issuer", "ops-agent"]);
    const result = submitControl(ws.root, action.request.command, action.request.payload, {
      issuer: "ops-agent",
    });
    expect(result.issuer).toBe("ops-agent");
    if (result.mode === "direct") expect(result.applied, `${action.action}: ${result.detail}`).toBe(true);
    taken.push(`${action.action}:${result.mode}`);
  }
  return taken;
}

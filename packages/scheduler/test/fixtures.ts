import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ScriptFileInput, TaskDocument } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { initWorkspace, type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import { createEngine, type EngineOptions, type MonitorEvent, sequentialIds } from "../src/index.js";

export interface TestWorkspace {
  root: string;
  paths: WorkspacePaths;
}

/** A fresh initialized workspace running the `demo` mode with the given scripted-runner script. */
export function demoWorkspace(script: ScriptFileInput = { rules: [] }, extraConfig = ""): TestWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-engine-"));
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/test-script.json"\n${extraConfig}`,
  );
  writeScript({ root, paths }, script);
  return { root, paths };
}

export function writeScript(ws: TestWorkspace, script: ScriptFileInput): void {
  const file = path.join(ws.paths.runtimeRoot, "scripted", "test-script.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(script, null, 2));
}

export function task(id: string, extra: Partial<TaskDocument> = {}): Record<string, unknown> {
  return {
    kind: "task",
    task_id: id,
    title: `Task ${id}`,
    summary: `Do ${id}`,
    target_paths: ["src/"],
    acceptance: ["it works"],
    required_checks: ["true"],
    references: ["none"],
    risk: ["low"],
    created_at: "2026-04-28T10:00:00Z",
    created_by: "test",
    ...extra,
  };
}

export function enqueueTask(ws: TestWorkspace, id: string, extra: Partial<TaskDocument> = {}): void {
  const store = openQueueStore(ws.paths);
  store.enqueue("task", task(id, extra) as never);
  store.close();
}

export function testEngine(ws: TestWorkspace, options: Partial<EngineOptions> = {}) {
  const events: MonitorEvent[] = [];
  let tick = 0;
  const engine = createEngine({
    workspace: ws.root,
    ids: sequentialIds(),
    clock: () => new Date(Date.UTC(2026, 3, 28, 10, 0, tick++)),
    monitor: (event) => events.push(event),
    ...options,
  });
  return { engine, events };
}

/** Runs a fresh test engine until the workspace is idle (or `maxTicks`), closing it either way. */
export async function runUntilIdle(ws: TestWorkspace, options: Partial<EngineOptions> = {}, maxTicks = 200) {
  const { engine, events } = testEngine(ws, options);
  try {
    const report = await engine.runDaemon({ untilIdle: true, maxTicks });
    return { report, events };
  } finally {
    await engine.close();
  }
}

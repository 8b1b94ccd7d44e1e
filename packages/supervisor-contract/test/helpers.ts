import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RuntimeEvent, ScriptFileInput } from "@millrace/contracts";
import { createEngine, type DaemonReport, readStatus } from "@millrace/scheduler";
import { initWorkspace, tailEvents, type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import { onTestFinished } from "vitest";
import { addTaskRequest, submitControl } from "../src/index.js";

export interface TestWorkspace {
  root: string;
  paths: WorkspacePaths;
}

/** A temp folder removed after the test (kept when the test failed, for inspection). */
export function tempDir(prefix = "millrace-supervisor-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(({ task }) => {
    if (task.result?.state !== "fail") rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** An initialized workspace running the `demo` mode with the given scripted-runner script. */
export function demoWorkspace(script: ScriptFileInput = { rules: [] }): TestWorkspace {
  const root = tempDir();
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/test-script.json"\n`,
  );
  const file = path.join(paths.runtimeRoot, "scripted", "test-script.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(script, null, 2));
  return { root, paths };
}

export function allEvents(ws: TestWorkspace): RuntimeEvent[] {
  return tailEvents(ws.paths.runtimeEvents, 1_000_000);
}

export function eventsOfType(ws: TestWorkspace, type: string): RuntimeEvent[] {
  return allEvents(ws).filter((event) => event.event_type === type);
}

/** The `.md` names in one queue folder, without the extension, sorted. */
export function idsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".md"))
      .map((name) => name.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

/** Every file under a folder with its size: equal listings mean nothing was written. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A demo workspace whose builder sleeps 3 s, so a live daemon has an active stage while a test looks. */
export function slowBuilderWorkspace(): TestWorkspace {
  return demoWorkspace({
    rules: [
      {
        stage: "builder",
        actions: [
          { type: "sleep", ms: 3_000 },
          { type: "marker", token: "BUILDER_COMPLETE" },
        ],
      },
    ],
  });
}

/**
 * Queues `task-slow`, runs a daemon in this process until its builder has started, then runs `body`
 * with the daemon's promise (the body stops the daemon); the engine is closed whatever happens.
 */
export async function whileBuilderRuns(
  ws: TestWorkspace,
  body: (daemon: Promise<DaemonReport>) => Promise<void>,
): Promise<void> {
  const request = addTaskRequest({ title: "Slow one", id: "task-slow", createdBy: "operator" });
  submitControl(ws.root, request.command, request.payload);
  const engine = createEngine({ workspace: ws.root });
  await engine.start();
  const daemon = engine.runDaemon({});
  try {
    await waitFor(() => readStatus(ws.root).planes.execution.active_run !== null, "the builder to start");
    await body(daemon);
  } finally {
    await engine.close();
  }
}

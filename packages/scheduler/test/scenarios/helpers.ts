import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type {
  DocumentKind,
  Plane,
  RecoveryCounters,
  RuntimeEvent,
  RuntimeSnapshot,
  ScriptFileInput,
  SpecDocument,
  TaskDocument,
} from "@millrace/contracts";
import { openQueueStore, renderWorkDocument } from "@millrace/queue-store";
import { tailEvents } from "@millrace/workspace";
import { onTestFinished } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { demoWorkspace, type TestWorkspace, task } from "../fixtures.js";

/**
 * `demoWorkspace` from the shared fixtures, removed again after the test unless it failed
 * unexpectedly (then it stays under the temp folder as `millrace-engine-*` for inspection).
 */
export function scenarioWorkspace(...args: Parameters<typeof demoWorkspace>): TestWorkspace {
  const ws = demoWorkspace(...args);
  onTestFinished(({ task: current }) => {
    const unexpectedFailure = current.result?.state === "fail" && !current.fails;
    if (!unexpectedFailure) rmSync(ws.root, { recursive: true, force: true });
  });
  return ws;
}

/** A scripted-runner rule and action as written in a script (defaults not yet applied). */
export type ScriptRuleInput = NonNullable<ScriptFileInput["rules"]>[number];
export type ScriptActionInput = ScriptRuleInput["actions"][number];

/** Every `<kind>/<state>` folder that holds `<id>.md` (e.g. `["task/done"]`). */
export function locate(ws: TestWorkspace, id: string): string[] {
  const found: string[] = [];
  for (const [kind, folders] of Object.entries(ws.paths.queues)) {
    for (const [state, dir] of Object.entries(folders)) {
      if (existsSync(path.join(dir, `${id}.md`))) found.push(`${kind}/${state}`);
    }
  }
  return found;
}

/** The ids of the documents in one queue folder, sorted. */
export function idsIn(
  ws: TestWorkspace,
  kind: DocumentKind,
  state: "queue" | "active" | "done" | "blocked",
): string[] {
  const dir = ws.paths.queues[kind][state];
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md"))
    .map((name) => name.slice(0, -3))
    .sort();
}

/** Every persisted runtime event, oldest first. */
export function runtimeEvents(ws: TestWorkspace): RuntimeEvent[] {
  return tailEvents(ws.paths.runtimeEvents, 1_000_000);
}

export function eventsOfType(ws: TestWorkspace, type: string): RuntimeEvent[] {
  return runtimeEvents(ws).filter((event) => event.event_type === type);
}

/** `stage:TERMINAL` for each persisted `stage_completed` event, in order. */
export function completedStages(ws: TestWorkspace, plane?: Plane): string[] {
  return eventsOfType(ws, "stage_completed")
    .filter((event) => plane === undefined || event.data.plane === plane)
    .map((event) => `${event.data.stage}:${event.data.terminal_result}`);
}

export function readSnapshot(ws: TestWorkspace): RuntimeSnapshot {
  return JSON.parse(readFileSync(ws.paths.snapshot, "utf8")) as RuntimeSnapshot;
}

export function readCounters(ws: TestWorkspace): RecoveryCounters {
  if (!existsSync(ws.paths.recoveryCounters))
    return { schema_version: "1.0", kind: "recovery_counters", entries: [] };
  return JSON.parse(readFileSync(ws.paths.recoveryCounters, "utf8")) as RecoveryCounters;
}

export function statusMarker(ws: TestWorkspace, plane: Plane): string {
  return readFileSync(ws.paths.statusFiles[plane], "utf8").trim();
}

export function allMarkersIdle(ws: TestWorkspace): boolean {
  return (["execution", "planning", "learning"] as const).every(
    (plane) => !existsSync(ws.paths.statusFiles[plane]) || statusMarker(ws, plane) === "### IDLE",
  );
}

/** Sums one counter over every entry for a work item. */
export function counterTotal(
  counters: RecoveryCounters,
  id: string,
  name: keyof RecoveryCounters["entries"][number],
): number {
  return counters.entries
    .filter((entry) => entry.work_item_id === id)
    .reduce((sum, entry) => sum + (entry[name] as number), 0);
}

/**
 * Records, at every monitor `stage_started`, the stage and the counters file as it stood when the
 * stage was dispatched (the engine commits counters before it starts the next stage).
 */
export function counterProbe(ws: TestWorkspace) {
  const seen: Array<{
    stage: string;
    runId: string;
    counters: RecoveryCounters;
    failureClass: string | null;
  }> = [];
  const listener = (event: MonitorEvent) => {
    if (event.type !== "stage_started") return;
    const snapshot = readSnapshot(ws);
    seen.push({
      stage: event.stage,
      runId: event.runId,
      counters: readCounters(ws),
      failureClass: snapshot.current_failure_class ?? null,
    });
  };
  return { seen, listener };
}

/** The markdown of a valid task document (what a Manager agent writes into tasks/queue). */
export function taskMarkdown(id: string, extra: Partial<TaskDocument> = {}): string {
  return renderWorkDocument(task(id, extra) as never);
}

export function specDocument(id: string, extra: Partial<SpecDocument> = {}): Record<string, unknown> {
  return {
    kind: "spec",
    spec_id: id,
    title: `Spec ${id}`,
    summary: `Deliver ${id}`,
    source_type: "idea",
    goals: ["ship it"],
    constraints: ["stay small"],
    acceptance: ["the arbiter agrees"],
    references: ["none"],
    created_at: "2026-04-28T09:00:00Z",
    created_by: "test",
    ...extra,
  };
}

/**
 * Seeds a root lineage: an idea file and a root spec (root ids set, referencing the idea) in
 * `specs/queue`. Claiming the spec opens the closure target. The idea lives in `docs/ideas/` by
 * default; `ideas/inbox/` would also work if the engine's idea intake honoured specs that already
 * cover an idea (see the finding in closure.test.ts).
 */
export function seedRootSpec(
  ws: TestWorkspace,
  specId: string,
  ideaId: string,
  ideaFolder = "docs/ideas",
): void {
  const dir = path.join(ws.root, ideaFolder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${ideaId}.md`),
    `# Idea ${ideaId}\n\nA seed idea for the ${specId} lineage.\n`,
  );
  const store = openQueueStore(ws.paths);
  store.enqueue(
    "spec",
    specDocument(specId, {
      source_id: ideaId,
      root_idea_id: ideaId,
      root_spec_id: specId,
      references: [`${ideaFolder}/${ideaId}.md`],
    }) as never,
  );
  store.close();
}

/** Reads a run directory's file names (sorted). */
export function runFiles(ws: TestWorkspace, runId: string): string[] {
  const dir = path.join(ws.paths.runs, runId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort();
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

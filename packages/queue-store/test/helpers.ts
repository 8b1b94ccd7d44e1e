import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type {
  IncidentDocument,
  ProbeDocument,
  SpecDocument,
  TaskDocument,
  WorkDocumentInput,
} from "@millrace/contracts";
import { initDirectories, type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import type { CachedEntry } from "../src/cache/entries.js";

export function tempWorkspace(): WorkspacePaths {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-queue-"));
  const paths = workspacePaths(root);
  for (const dir of initDirectories(paths)) mkdirSync(dir, { recursive: true });
  return paths;
}

let counter = 0;
export function task(id: string, extra: Partial<TaskDocument> = {}): WorkDocumentInput {
  counter += 1;
  return {
    kind: "task",
    task_id: id,
    title: `Task ${id}`,
    target_paths: ["src/"],
    acceptance: ["it works"],
    required_checks: ["npm test"],
    references: ["docs/plan.md"],
    risk: ["low"],
    created_at: `2026-04-28T10:00:${String(counter % 60).padStart(2, "0")}Z`,
    created_by: "test",
    ...extra,
  } as WorkDocumentInput;
}

export function spec(id: string, extra: Partial<SpecDocument> = {}): WorkDocumentInput {
  return {
    kind: "spec",
    spec_id: id,
    title: `Spec ${id}`,
    summary: "a spec",
    source_type: "manual",
    goals: ["g"],
    constraints: ["c"],
    acceptance: ["a"],
    references: ["r"],
    created_at: "2026-04-28T10:00:00Z",
    created_by: "test",
    ...extra,
  } as WorkDocumentInput;
}

export function incident(id: string, extra: Partial<IncidentDocument> = {}): WorkDocumentInput {
  return {
    kind: "incident",
    incident_id: id,
    title: `Incident ${id}`,
    summary: "broke",
    source_stage: "consultant",
    source_plane: "execution",
    failure_class: "consultant_needs_planning",
    trigger_reason: "consultant_needs_planning",
    consultant_decision: "needs_planning",
    opened_at: "2026-04-28T10:00:00Z",
    opened_by: "runtime",
    ...extra,
  } as WorkDocumentInput;
}

export function probe(id: string, extra: Partial<ProbeDocument> = {}): WorkDocumentInput {
  return {
    kind: "probe",
    probe_id: id,
    title: `Probe ${id}`,
    summary: "look",
    request: "find out",
    created_at: "2026-04-28T10:00:00Z",
    created_by: "operator",
    ...extra,
  } as WorkDocumentInput;
}

/** Every file under the runtime root with its size and mtime: proves "nothing else changed". */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** A cached entry as a well-formed document gives it: no dependencies, no lineage, no error. */
export function cachedEntry(id: string, extra: Partial<CachedEntry> = {}): CachedEntry {
  return {
    size: 1,
    mtime_ms: 2,
    ino: 3,
    id,
    title: id,
    timestamp: "2026-01-01T00:00:00Z",
    depends_on: [],
    root_spec_id: null,
    root_idea_id: null,
    spec_id: null,
    is_root_spec: false,
    error: null,
    ...extra,
  };
}

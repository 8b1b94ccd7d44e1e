import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  compareCodeUnits,
  type FullDoctorCheck,
  PLANES,
  type Plane,
  RuntimeSnapshotSchema,
  workDocumentId,
} from "@millrace/contracts";
import { allQueueFolders, KIND_PLANE, parseWorkDocument } from "@millrace/queue-store";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { readLaneRuns } from "../lanes/lane-state.js";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "queue",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

function laneItems(paths: WorkspacePaths): Set<string> {
  try {
    return new Set(readLaneRuns(paths).lanes.map((lane) => lane.item_id));
  } catch {
    return new Set();
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

interface SnapshotRun {
  kind: string;
  id: string;
  runId: string;
}

/** What the snapshot says each plane is running (nothing when the snapshot is unreadable). */
function snapshotRuns(paths: WorkspacePaths): Partial<Record<Plane, SnapshotRun>> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(paths.snapshot, "utf8"));
  } catch {
    return {};
  }
  const parsed = RuntimeSnapshotSchema.safeParse(raw);
  if (!parsed.success) return {};
  const out: Partial<Record<Plane, SnapshotRun>> = {};
  for (const plane of PLANES) {
    const run = parsed.data.active_runs_by_plane[plane];
    if (run?.work_item_kind && run.work_item_id) {
      out[plane] = { kind: run.work_item_kind, id: run.work_item_id, runId: run.run_id };
    }
  }
  return out;
}

// Over 80 lines: one block per consistency check, all over one listing of the folders.
/**
 * Read-only queue consistency: every document parses and is named after its id, no id sits in two
 * folders, at most one item is active per plane, and the active folders agree with the snapshot.
 */
export function queueChecks(paths: WorkspacePaths): FullDoctorCheck[] {
  const found: FullDoctorCheck[] = [];
  const locations = new Map<string, string[]>();
  const activeByPlane = new Map<Plane, Array<{ id: string; kind: string; file: string }>>();
  for (const folder of allQueueFolders(paths)) {
    for (const name of list(folder.dir)) {
      if (!name.endsWith(".md") || name.startsWith(".")) continue;
      const file = path.join(folder.dir, name);
      const relative = toWorkspaceRelative(paths, file);
      const stem = name.slice(0, -3);
      let id = stem;
      try {
        const doc = parseWorkDocument(readFileSync(file, "utf8"), { file: relative, kind: folder.kind });
        id = workDocumentId(doc);
        if (id !== stem) {
          found.push(
            check(
              "queue_document_id_mismatch",
              `${relative} holds ${folder.kind} ${id}, not ${stem}`,
              relative,
            ),
          );
        }
      } catch (error) {
        found.push(check("queue_document_invalid", `${relative}: ${(error as Error).message}`, relative));
      }
      locations.set(id, [...(locations.get(id) ?? []), relative]);
      if (folder.state === "active") {
        const plane = KIND_PLANE[folder.kind];
        activeByPlane.set(plane, [
          ...(activeByPlane.get(plane) ?? []),
          { id, kind: folder.kind, file: relative },
        ]);
      }
    }
  }
  for (const [id, files] of [...locations.entries()].sort(([a], [b]) => compareCodeUnits(a, b))) {
    if (files.length > 1) {
      found.push(
        check(
          "queue_duplicate_id",
          `${id} is in ${files.length} folders: ${files.join(", ")}`,
          files[0] ?? null,
        ),
      );
    }
  }
  const runs = snapshotRuns(paths);
  const laned = laneItems(paths);
  for (const plane of PLANES) {
    // Items held by execution lanes are owned by the lanes journal, not the plane's slot.
    const active = (activeByPlane.get(plane) ?? []).filter(
      (item) => plane !== "execution" || !laned.has(item.id),
    );
    if (active.length > 1) {
      found.push(
        check(
          "queue_multiple_active",
          `${plane} plane has ${active.length} active items: ${active.map((item) => item.id).join(", ")}`,
          active[0]?.file ?? null,
        ),
      );
      continue;
    }
    const run = runs[plane];
    const only = active[0];
    if (only && (!run || run.id !== only.id)) {
      found.push(
        check(
          "queue_active_without_run",
          `${only.file} is active but the snapshot has ${run ? `run ${run.runId} for ${run.id}` : "no run"} on the ${plane} plane`,
          only.file,
        ),
      );
    } else if (!only && run) {
      found.push(
        check(
          "queue_run_without_active_document",
          `the snapshot says run ${run.runId} works on ${run.kind} ${run.id} (${plane} plane), but no document is active there`,
          toWorkspaceRelative(paths, paths.snapshot),
        ),
      );
    }
  }
  if (found.length === 0) {
    return [check("queue_consistent", `${locations.size} queue documents checked`)];
  }
  return found;
}

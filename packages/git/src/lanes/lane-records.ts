import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { type LaneRecord, LaneRecordSchema, MillraceError } from "@millrace/contracts";
import { fsyncDirSync, type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { assertLaneId } from "./lane-branch.js";

/** Where the runtime keeps lane records: `millrace-agents/state/lanes/`. */
export function laneRecordsDir(paths: WorkspacePaths): string {
  return path.join(paths.state, "lanes");
}

/**
 * One JSON file per lane, `<dir>/<item-id>.json`, written atomically. A record is written before
 * git is asked to create anything, and deleted only after the worktree and branch are gone.
 */
export class LaneRecordStore {
  constructor(readonly dir: string) {}

  fileFor(itemId: string): string {
    assertLaneId(itemId);
    return path.join(this.dir, `${itemId}.json`);
  }

  write(record: LaneRecord): void {
    const valid = LaneRecordSchema.parse(record);
    mkdirSync(this.dir, { recursive: true });
    writeJsonAtomicSync(this.fileFor(valid.item_id), valid);
  }

  read(itemId: string): LaneRecord | null {
    const file = this.fileFor(itemId);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    return parseRecord(file, text);
  }

  /** Every record, sorted by item id (reconciliation order is deterministic). */
  list(): LaneRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith(".json") && !name.startsWith("."))
      .sort()
      .map((name) => {
        const file = path.join(this.dir, name);
        return parseRecord(file, readFileSync(file, "utf8"));
      });
  }

  delete(itemId: string): void {
    rmSync(this.fileFor(itemId), { force: true });
    fsyncDirSync(this.dir);
  }
}

function parseRecord(file: string, text: string): LaneRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new MillraceError("workspace_io_failed", `lane record ${file} is not valid JSON`, {
      hint: "Restore or delete the file; a deleted record's worktree and branch then show up as leftovers.",
      details: { path: file },
      cause: error,
    });
  }
  const parsed = LaneRecordSchema.safeParse(data);
  if (!parsed.success) {
    throw new MillraceError(
      "workspace_io_failed",
      `lane record ${file} does not match the lane record schema`,
      {
        hint: "Restore or delete the file; a deleted record's worktree and branch then show up as leftovers.",
        details: { path: file, issues: parsed.error.issues.map((issue) => issue.message) },
      },
    );
  }
  return parsed.data;
}

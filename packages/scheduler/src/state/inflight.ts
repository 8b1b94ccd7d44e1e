import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { lazySchema, type Plane } from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { z } from "zod";

/**
 * The engine's own crash journal (not part of the reference workspace format): one small file per
 * plane while a stage is dispatched. After a kill, startup uses it to tell "the stage was cut off"
 * (dispatch it again) from "the stage finished but its result was not applied" (apply it now).
 */
export const InflightRecordSchema = lazySchema(() =>
  z.strictObject({
    plane: z.enum(["execution", "planning", "learning"]),
    run_id: z.string(),
    node_id: z.string(),
    request_id: z.string(),
    stage_result_path: z.string(),
    started_at: z.string(),
    /** For liveness readers: the stage, its item and its deadline (absent in journals of older engines). */
    stage: z.string().optional(),
    work_item_id: z.string().nullable().optional(),
    timeout_seconds: z.number().optional(),
  }),
);
export type InflightRecord = z.infer<typeof InflightRecordSchema>;

export function inflightFile(paths: WorkspacePaths, plane: Plane): string {
  return path.join(paths.state, `inflight_${plane}.json`);
}

export function writeInflight(paths: WorkspacePaths, record: InflightRecord): void {
  // Atomic but not fsync'd: it guards against a killed process, and after a power loss the worst
  // case is a stage dispatched once more.
  writeJsonAtomicSync(inflightFile(paths, record.plane), record, { durable: false });
}

export function readInflight(paths: WorkspacePaths, plane: Plane): InflightRecord | undefined {
  try {
    return InflightRecordSchema.parse(JSON.parse(readFileSync(inflightFile(paths, plane), "utf8")));
  } catch {
    return undefined;
  }
}

export function clearInflight(paths: WorkspacePaths, plane: Plane): void {
  rmSync(inflightFile(paths, plane), { force: true });
}

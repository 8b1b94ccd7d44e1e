import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DocumentKindSchema, lazySchema, TimestampSchema } from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { z } from "zod";

/**
 * The automatic retries the runtime has promised: `state/auto_retry.json`, one entry per blocked
 * item with the time its requeue is due. It is a schedule only; how many retries an item has had
 * is read from its requeue log (`"auto": true` lines), so a crash between the requeue and this
 * file's update never counts a retry twice or forgets one.
 */

export const PendingRetrySchema = lazySchema(() =>
  z.strictObject({
    work_item_kind: DocumentKindSchema,
    work_item_id: z.string().min(1),
    failure_class: z.string().min(1),
    attempt: z.int().positive(),
    blocked_at: TimestampSchema,
    due_at: TimestampSchema,
  }),
);
export type PendingRetry = z.infer<typeof PendingRetrySchema>;

const RetryScheduleSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("auto_retry_schedule"),
    pending: z.array(PendingRetrySchema),
  }),
);

export function retrySchedulePath(paths: WorkspacePaths): string {
  return path.join(paths.state, "auto_retry.json");
}

/** The persisted schedule; a missing or unreadable file is an empty one (no retry is promised). */
export function readRetrySchedule(paths: WorkspacePaths): PendingRetry[] {
  try {
    const parsed = RetryScheduleSchema.safeParse(JSON.parse(readFileSync(retrySchedulePath(paths), "utf8")));
    return parsed.success ? parsed.data.pending : [];
  } catch {
    return [];
  }
}

export function writeRetrySchedule(paths: WorkspacePaths, pending: readonly PendingRetry[]): void {
  if (pending.length === 0) {
    rmSync(retrySchedulePath(paths), { force: true });
    return;
  }
  writeJsonAtomicSync(retrySchedulePath(paths), {
    schema_version: "1.0",
    kind: "auto_retry_schedule",
    pending,
  });
}

import { readFileSync } from "node:fs";
import { bootstrapSnapshot, type RuntimeSnapshot, RuntimeSnapshotSchema } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";

export interface SnapshotRead {
  readonly state: "ok" | "missing" | "invalid";
  /** The parsed snapshot, or the bootstrap defaults when it is missing or invalid. */
  readonly snapshot: RuntimeSnapshot;
  readonly error: string | null;
}

/** Reads `state/runtime_snapshot.json` without throwing and without writing anything. */
export function readSnapshotForDisplay(paths: WorkspacePaths, now: Date): SnapshotRead {
  let text: string;
  try {
    text = readFileSync(paths.snapshot, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      state: missing ? "missing" : "invalid",
      snapshot: bootstrapSnapshot(now),
      error: missing ? "millrace-agents/state/runtime_snapshot.json is missing" : (error as Error).message,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      state: "invalid",
      snapshot: bootstrapSnapshot(now),
      error: "millrace-agents/state/runtime_snapshot.json is not valid JSON",
    };
  }
  const parsed = RuntimeSnapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "root";
    return {
      state: "invalid",
      snapshot: bootstrapSnapshot(now),
      error: `millrace-agents/state/runtime_snapshot.json does not match the snapshot shape (${where}: ${issue?.message})`,
    };
  }
  return { state: "ok", snapshot: parsed.data, error: null };
}

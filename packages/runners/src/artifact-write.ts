import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Per-request diagnostics (prompt, invocation, completion records, scripted-runner counters) are
 * replaced atomically (temp file in the same folder, then rename) so a reader never sees half a
 * file, but without fsync: they are evidence, not runtime state, and an fsync per file would cost
 * more than the whole in-process stage handoff budget. The stage result itself is written with the
 * durable `writeJsonAtomicSync` from @millrace/workspace.
 */
export function writeArtifactSync(target: string, data: string | Uint8Array): void {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${randomBytes(8).toString("hex")}`,
  );
  try {
    writeFileSync(temp, data, { flag: "wx", mode: 0o644 });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function writeJsonArtifactSync(target: string, value: unknown): void {
  writeArtifactSync(target, `${JSON.stringify(value, null, 2)}\n`);
}

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startProcess } from "./run-process.js";

/** How long `<command> --version` may take before the probe gives up on it. */
export const VERSION_PROBE_TIMEOUT_MS = 3_000;

/**
 * Runs `<command> --version` (argument array, closed stdin, short deadline, whole tree killed on
 * timeout) and returns the first non-empty stdout line, or null. Only the local executable runs:
 * the agent CLIs answer `--version` without contacting any network.
 */
export async function probeVersion(
  command: string,
  env: Readonly<Record<string, string>>,
  timeoutMs = VERSION_PROBE_TIMEOUT_MS,
): Promise<string | null> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "millrace-doctor-"));
  const lines: string[] = [];
  try {
    const running = startProcess({
      command,
      args: ["--version"],
      cwd: scratch,
      env,
      stdin: { kind: "closed" },
      timeoutMs,
      killGraceMs: 500,
      stderrPath: path.join(scratch, "stderr.log"),
      maxStdoutBytes: 64 * 1024,
      onStdoutLine: (line) => {
        if (lines.length < 20) lines.push(line);
      },
    });
    const outcome = await running.outcome;
    if (outcome.spawnError || outcome.stopReason || outcome.exitCode !== 0) return null;
    const first = lines.map((line) => line.trim()).find((line) => line.length > 0);
    return first ? first.slice(0, 120) : null;
  } catch {
    return null;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

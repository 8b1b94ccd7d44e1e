import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import {
  compareCodeUnits,
  type DoctorCheck,
  type DoctorReport,
  PlaneSchema,
  planeMarkerUniverse,
  RecoveryCountersSchema,
  RuntimeSnapshotSchema,
} from "@millrace/contracts";
import { isLiveWritersTemp, TEMP_FILE_PATTERN } from "./atomic-write.js";
import { validateConfigText } from "./config.js";
import { runtimeOwnedDirectories } from "./init.js";
import { findEscapingLinks } from "./link-scan.js";
import { inspectLock } from "./lock.js";
import { readManifest } from "./manifest.js";
import { initDirectories, toWorkspaceRelative, type WorkspacePaths, workspacePaths } from "./paths.js";
import { describeReadProblem, READ_LIMITS, readRegularFile } from "./safe-read.js";

/** `clear-stale-state` moves a broken state file aside (kept as `*.corrupt-<time>`) and writes a fresh one. */
const STATE_FILE_HINT =
  "Stop the runtime, then run `millrace clear-stale-state` (it keeps the broken file as `*.corrupt-<time>`).";

/**
 * Workspace health: folders, default files, the baseline manifest and the files it tracks, status
 * files, snapshot, recovery counters, config and the ownership lock. Never writes. Other packages
 * (runners, compiler) add their own checks on top of this report.
 */

function check(
  code: string,
  status: DoctorCheck["status"],
  paths: WorkspacePaths,
  file: string | null,
  message: string,
  hint: string | null = null,
): DoctorCheck {
  return { code, status, path: file === null ? null : toWorkspaceRelative(paths, file), message, hint };
}

/** Doctor reads state, config and manifest files; none is anywhere near this size. */
const DOCTOR_READ_LIMIT = 16 * 1024 * 1024;

function readJson(file: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const outcome = readRegularFile(file, { maxBytes: DOCTOR_READ_LIMIT, utf8: true });
  if (outcome.kind !== "ok") return { ok: false, reason: `the file ${describeReadProblem(outcome)}` };
  try {
    return { ok: true, value: JSON.parse(outcome.text) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function firstIssue(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join(".") || "root"}: ${issue.message}` : "invalid";
}

const HEAL = "Run `millrace init --force` to re-create missing folders and default files.";

/** Builds a report from checks: ok is false when any check is an error. */
export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
  const errors = checks.filter((c) => c.status === "error").length;
  const warnings = checks.filter((c) => c.status === "warning").length;
  return { ok: errors === 0, errors, warnings, checks: [...checks] };
}

export interface DoctorOptions {
  /**
   * Look at every entry of the run and queue folders for links and non-regular files (default true):
   * one `lstat` per run folder and queue document. The supervisor report leaves it to `doctor`.
   */
  readonly entryScan?: boolean;
}

export function runDoctor(workspace: WorkspacePaths | string, options: DoctorOptions = {}): DoctorReport {
  const paths = typeof workspace === "string" ? workspacePaths(workspace) : workspace;
  if (!existsSync(paths.runtimeRoot)) {
    return doctorReport([
      check(
        "workspace_not_initialized",
        "error",
        paths,
        paths.runtimeRoot,
        `${paths.root} has no millrace-agents/ folder`,
        `Run \`millrace init ${paths.root}\` first.`,
      ),
    ]);
  }
  const checks: DoctorCheck[] = [];
  const group = (okCode: string, okMessage: string, found: DoctorCheck[]) => {
    if (found.length === 0) checks.push(check(okCode, "ok", paths, null, okMessage));
    else
      checks.push(
        ...found.sort(
          (a, b) => compareCodeUnits(a.path ?? "", b.path ?? "") || compareCodeUnits(a.message, b.message),
        ),
      );
  };

  group(
    "workspace_directories",
    "every workspace folder exists",
    initDirectories(paths)
      .filter((dir) => !isDir(dir))
      .map((dir) =>
        check(
          "missing_directory",
          "error",
          paths,
          dir,
          `folder ${toWorkspaceRelative(paths, dir)} is missing`,
          HEAL,
        ),
      ),
  );

  const requiredFiles = [
    paths.configFile,
    paths.outline,
    paths.historylog,
    ...Object.values(paths.statusFiles),
    paths.snapshot,
    paths.recoveryCounters,
  ];
  group(
    "workspace_files",
    "every default file exists",
    requiredFiles
      .filter((file) => !existsSync(file))
      .map((file) =>
        check(
          "missing_file",
          "error",
          paths,
          file,
          `file ${toWorkspaceRelative(paths, file)} is missing`,
          HEAL,
        ),
      ),
  );

  const manifestChecks: DoctorCheck[] = [];
  const manifest = readManifest(paths);
  if (manifest.state === "missing") {
    manifestChecks.push(
      check(
        "baseline_manifest_missing",
        "error",
        paths,
        paths.baselineManifest,
        "the baseline manifest is missing",
        "Run `millrace init --force` to rebuild it from the package.",
      ),
    );
  } else if (manifest.state === "invalid") {
    manifestChecks.push(
      check(
        "baseline_manifest_invalid",
        "error",
        paths,
        paths.baselineManifest,
        `the baseline manifest is invalid: ${manifest.reason}`,
        "Run `millrace init --force` to rebuild it from the package.",
      ),
    );
  } else {
    for (const entry of manifest.manifest.entries) {
      const file = path.join(paths.runtimeRoot, ...entry.relative_path.split("/"));
      if (!isFile(file)) {
        manifestChecks.push(
          check(
            "baseline_manifest_managed_file_missing",
            "error",
            paths,
            file,
            `managed file ${entry.relative_path} is missing`,
            "Run `millrace upgrade --apply` to restore it from the package.",
          ),
        );
      }
    }
  }
  group("baseline_manifest", "the baseline manifest is valid and every managed file exists", manifestChecks);

  const statusChecks: DoctorCheck[] = [];
  for (const plane of PlaneSchema.options) {
    const file = paths.statusFiles[plane];
    if (!existsSync(file)) continue;
    const text = safeRead(file);
    const marker = text?.trim() ?? "";
    const lines = (text ?? "").split("\n").filter((line) => line.trim() !== "");
    if (lines.length !== 1 || !planeMarkerUniverse(plane).has(marker)) {
      statusChecks.push(
        check(
          "status_file_invalid",
          "error",
          paths,
          file,
          `${plane} status file must hold one known marker line such as \`### IDLE\`; found ${JSON.stringify((text ?? "").slice(0, 60))}`,
          "Stop the runtime, then write `### IDLE` to the file (or run `millrace clear-stale-state`).",
        ),
      );
    }
  }
  group("status_files", "status files hold known markers", statusChecks);

  const stateFile = (
    file: string,
    schema: typeof RuntimeSnapshotSchema | typeof RecoveryCountersSchema,
    code: string,
    what: string,
  ): DoctorCheck[] => {
    if (!existsSync(file)) return [];
    const raw = readJson(file);
    const parsed = raw.ok ? schema.safeParse(raw.value) : undefined;
    if (raw.ok && parsed?.success) return [];
    const reason = raw.ok ? firstIssue(parsed?.error ?? { issues: [] }) : raw.reason;
    return [check(code, "error", paths, file, `${what} is invalid: ${reason}`, STATE_FILE_HINT)];
  };
  group(
    "runtime_snapshot",
    "the runtime snapshot is valid",
    stateFile(paths.snapshot, RuntimeSnapshotSchema, "snapshot_invalid", "the runtime snapshot"),
  );
  group(
    "recovery_counters",
    "the recovery counters are valid",
    stateFile(
      paths.recoveryCounters,
      RecoveryCountersSchema,
      "recovery_counters_invalid",
      "the recovery counters",
    ),
  );

  const configChecks: DoctorCheck[] = [];
  const configRead = readRegularFile(paths.configFile, { maxBytes: READ_LIMITS.config, utf8: true });
  if (configRead.kind !== "ok" && configRead.kind !== "missing") {
    configChecks.push(
      check(
        "runtime_config_invalid",
        "error",
        paths,
        paths.configFile,
        `millrace.toml ${describeReadProblem(configRead)}`,
        "Make millrace.toml a regular TOML file under 1 MiB (links inside a workspace are not followed).",
      ),
    );
  } else if (configRead.kind === "ok") {
    const text = configRead.text;
    const validation = validateConfigText(text, "millrace.toml");
    if (!validation.ok) {
      for (const problem of validation.problems) {
        configChecks.push(
          check(
            "runtime_config_invalid",
            "error",
            paths,
            paths.configFile,
            problem.message,
            "Fix the key, then run `millrace config validate`; docs/configuration.md lists every key.",
          ),
        );
      }
    }
  }
  group("runtime_config", "millrace.toml is valid", configChecks);

  const lockChecks: DoctorCheck[] = [];
  const lock = inspectLock(paths);
  if (lock.state === "stale") {
    lockChecks.push(
      check(
        "runtime_ownership_lock_stale",
        "error",
        paths,
        paths.lockFile,
        lock.why === "pid_reused"
          ? `the ownership lock names pid ${lock.lock.owner_pid} on ${lock.lock.owner_hostname}, which now belongs to another process (its start time differs from the owner's)`
          : `the ownership lock names pid ${lock.lock.owner_pid} on ${lock.lock.owner_hostname}, which is no longer running`,
        `Delete ${paths.lockFile} (the next start also replaces it).`,
      ),
    );
  } else if (lock.state === "invalid") {
    lockChecks.push(
      check(
        "runtime_ownership_lock_invalid",
        "error",
        paths,
        paths.lockFile,
        `the ownership lock is invalid: ${lock.reason}`,
        `Make sure no Millrace process runs here, then delete ${paths.lockFile}.`,
      ),
    );
  } else if (lock.state === "active") {
    lockChecks.push(
      check(
        "runtime_ownership_lock_active",
        "warning",
        paths,
        paths.lockFile,
        `the workspace is owned by pid ${lock.lock.owner_pid} on ${lock.lock.owner_hostname} (session ${lock.lock.owner_session_id})`,
        null,
      ),
    );
  }
  group("runtime_ownership_lock", "no process owns the workspace", lockChecks);

  const litter = runtimeOwnedDirectories(paths).flatMap((dir) =>
    safeList(dir)
      .filter((name) => TEMP_FILE_PATTERN.test(name) && !isLiveWritersTemp(name))
      .map((name) => path.join(dir, name)),
  );
  group(
    "temp_litter",
    "no leftover temp files",
    litter.map((file) =>
      check(
        "temp_litter_present",
        "warning",
        paths,
        file,
        "a temp file from an interrupted write is left over",
        "It is removed at the next runtime start.",
      ),
    ),
  );

  group(
    "workspace_links",
    "no runtime path leads out of the workspace and watched folders hold only regular files",
    findEscapingLinks(paths, { entries: options.entryScan ?? true }).map((finding) =>
      finding.kind === "not_regular"
        ? check(
            "watched_entry_not_regular",
            "warning",
            paths,
            finding.path,
            `${toWorkspaceRelative(paths, finding.path)} is a ${finding.detail}, not a regular file; the runtime will not read it`,
            "Remove it, or replace it with a regular file; the runtime moves such entries into millrace-agents/quarantine/.",
          )
        : check(
            "workspace_link_escapes",
            "error",
            paths,
            finding.path,
            finding.kind === "dangling_link"
              ? `${toWorkspaceRelative(paths, finding.path)} is a dangling symbolic link (to ${finding.detail || "?"})`
              : `${toWorkspaceRelative(paths, finding.path)} is a symbolic link to ${finding.detail}, outside the workspace`,
            "Replace the link with a real folder or file inside the workspace; the runtime refuses to write or read through it.",
          ),
    ),
  );

  return doctorReport(checks);
}

function isDir(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** State and config files are workspace content: never follow a link, block on a FIFO or read without a cap. */
function safeRead(file: string): string | undefined {
  const outcome = readRegularFile(file, { maxBytes: DOCTOR_READ_LIMIT, utf8: true });
  return outcome.kind === "ok" ? outcome.text : undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

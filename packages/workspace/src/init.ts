import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  bootstrapSnapshot,
  emptyRecoveryCounters,
  type InitReport,
  MillraceError,
  typedJson,
} from "@millrace/contracts";
import { packagedAssetsRoot } from "./assets-root.js";
import { removeTempLitter, writeFileAtomicSync } from "./atomic-write.js";
import { buildManifest, listPackagedAssets } from "./manifest.js";
import { initDirectories, type WorkspacePaths, workspacePaths } from "./paths.js";

/** The config written when the packaged assets carry no `millrace.toml` template. */
export const BOOTSTRAP_CONFIG_TEXT = `[runtime]
default_mode = "default_codex"
run_style = "daemon"

[runners.codex]
permission_default = "maximum"
`;

/**
 * `millrace-agents/.gitignore`, written by init: what the runtime rewrites on every run (state,
 * run folders, logs, temp files of atomic writes) stays out of git; config, queues, entrypoints,
 * skills, modes and notes are the operator's and get committed. The baseline manifest is kept,
 * because `upgrade` compares against it.
 */
export const RUNTIME_GITIGNORE_TEXT = `# Written by \`millrace init\`: runtime-owned state stays out of git; commit the rest.
/state/*
!/state/baseline_manifest.json
/runs/
/logs/
.*.tmp-*
`;

export interface InitOptions {
  /** Rewrite the managed baseline files of an existing workspace from the package. */
  force?: boolean;
  /** Where the packaged baseline lives; tests point this at a temp copy. */
  assetsRoot?: string;
  now?: Date;
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw notWritable(file, error);
    throw error;
  }
}

function notWritable(target: string, error: unknown): MillraceError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  return new MillraceError(
    "workspace_not_writable",
    `cannot write ${target}: ${code ? `${code}: ` : ""}${(error as Error).message.replace(/^[A-Z]+: /, "")}`,
    {
      hint:
        code === "ENOTDIR"
          ? "A parent of this path is a file, not a folder; pick another location."
          : "Check the folder's permissions (and that the file system is writable), then try again.",
      cause: error,
    },
  );
}

function isWriteFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return ["EACCES", "EPERM", "EROFS", "ENOTDIR", "ENOSPC", "EDQUOT", "EEXIST", "EISDIR"].includes(code ?? "");
}

/** Runs a filesystem step; turns permission-style failures into workspace_not_writable. */
function guarded<T>(target: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (MillraceError.isInstance(error)) throw error;
    if (isWriteFailure(error)) throw notWritable(target, error);
    throw new MillraceError("workspace_io_failed", `cannot write ${target}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function writeIfMissing(file: string, content: string | Uint8Array, written: string[]): void {
  if (existsSync(file)) return;
  guarded(file, () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, content);
  });
  written.push(file);
}

/** The default config text: the packaged commented template when there is one. */
export function defaultConfigText(assetsRoot: string = packagedAssetsRoot()): string {
  try {
    return readFileSync(path.join(assetsRoot, "millrace.toml"), "utf8");
  } catch {
    return BOOTSTRAP_CONFIG_TEXT;
  }
}

/**
 * Re-creates the runtime state files an initialized workspace needs when they are missing: the three
 * status files, the snapshot, the recovery counters and the learning event log. Returns the files written.
 */
export function ensureRuntimeStateFiles(paths: WorkspacePaths, now: Date = new Date()): string[] {
  const written: string[] = [];
  for (const file of Object.values(paths.statusFiles)) writeIfMissing(file, "### IDLE\n", written);
  writeIfMissing(paths.snapshot, typedJson(bootstrapSnapshot(now)), written);
  writeIfMissing(paths.recoveryCounters, typedJson(emptyRecoveryCounters()), written);
  writeIfMissing(paths.learningEvents, "", written);
  return written;
}

function isEmptyDir(dir: string): boolean {
  return readdirSync(dir).length === 0;
}

/**
 * Creates (or, with `force`, heals) a workspace at `target`. The target may be an existing repository;
 * what must be absent or empty is its `millrace-agents/` folder, unless `force` is set. Nothing is
 * written when a check fails. With `force`, only the managed baseline files are rewritten from the
 * package; queues, state, runs, the config and the operator's notes are left as they are (missing
 * folders and default files are re-created).
 */
export function initWorkspace(target: string, options: InitOptions = {}): InitReport {
  const force = options.force ?? false;
  const assetsRoot = options.assetsRoot ?? packagedAssetsRoot();
  const now = options.now ?? new Date();
  const paths = workspacePaths(target);

  const rootStat = statOrUndefined(paths.root);
  if (rootStat && !rootStat.isDirectory()) {
    throw new MillraceError("init_target_is_file", `init target ${paths.root} is a file, not a folder`);
  }
  const runtimeStat = rootStat ? statOrUndefined(paths.runtimeRoot) : undefined;
  if (runtimeStat && !runtimeStat.isDirectory()) {
    throw new MillraceError("init_target_is_file", `${paths.runtimeRoot} is a file, not a folder`, {
      hint: "Move that file away; Millrace keeps its state in a folder of that name.",
    });
  }
  if (runtimeStat && !force && !isEmptyDir(paths.runtimeRoot)) {
    throw new MillraceError(
      "init_target_not_empty",
      `${paths.runtimeRoot} already holds files; init leaves an existing workspace alone`,
      {
        hint: `Run \`millrace init --force ${paths.root}\` to rewrite only the managed baseline files (queues, state and your config are kept), or \`millrace upgrade\` to take package updates.`,
      },
    );
  }

  // Build everything we will deploy before touching the disk, so a bad package fails early.
  const assets = listPackagedAssets(assetsRoot);
  const manifest = buildManifest(assetsRoot);
  const configText = defaultConfigText(assetsRoot);

  let createdDirectories = 0;
  for (const dir of [paths.root, ...initDirectories(paths)]) {
    if (existsSync(dir)) continue;
    guarded(dir, () => mkdirSync(dir, { recursive: true }));
    createdDirectories++;
  }

  const written: string[] = [];
  writeIfMissing(paths.outline, "", written);
  writeIfMissing(paths.historylog, "", written);
  writeIfMissing(paths.configFile, configText, written);
  writeIfMissing(path.join(paths.runtimeRoot, ".gitignore"), RUNTIME_GITIGNORE_TEXT, written);
  written.push(...ensureRuntimeStateFiles(paths, now));

  for (const asset of assets) {
    const destination = path.join(paths.runtimeRoot, ...asset.relativePath.split("/"));
    if (existsSync(destination) && !force) continue;
    const stat = statOrUndefined(destination);
    if (stat?.isDirectory()) {
      throw new MillraceError(
        "workspace_io_failed",
        `cannot deploy ${asset.relativePath}: ${destination} is a folder`,
        { hint: "Move that folder away, then run init again." },
      );
    }
    guarded(destination, () => {
      mkdirSync(path.dirname(destination), { recursive: true });
      writeFileAtomicSync(destination, readFileSync(asset.absolutePath));
    });
    written.push(destination);
  }

  if (force || !existsSync(paths.baselineManifest)) {
    guarded(paths.baselineManifest, () => writeFileAtomicSync(paths.baselineManifest, typedJson(manifest)));
    written.push(paths.baselineManifest);
  }

  return {
    workspace: paths.root,
    runtime_root: paths.runtimeRoot,
    initialized: true,
    forced: force,
    created_directories: createdDirectories,
    written_files: written.map((file) => path.relative(paths.root, file).split(path.sep).join("/")),
    baseline_manifest_id: manifest.manifest_id,
  };
}

/** What must exist for a folder to count as an initialized workspace. */
export function initializedMarkers(paths: WorkspacePaths): string[] {
  return [
    paths.runtimeRoot,
    paths.state,
    paths.queues.task.queue,
    paths.queues.spec.queue,
    paths.queues.incident.queue,
    paths.queues.learning_request.queue,
    paths.entrypoints,
    paths.skills,
    paths.outline,
    paths.historylog,
    paths.baselineManifest,
    paths.configFile,
  ];
}

export function missingInitializedMarkers(paths: WorkspacePaths): string[] {
  return initializedMarkers(paths).filter((file) => !existsSync(file));
}

export function isInitialized(workspace: WorkspacePaths | string): boolean {
  const paths = typeof workspace === "string" ? workspacePaths(workspace) : workspace;
  return missingInitializedMarkers(paths).length === 0;
}

/** The paths of an initialized workspace, or workspace_not_initialized naming what is missing. */
export function requireInitialized(workspace: WorkspacePaths | string): WorkspacePaths {
  const paths = typeof workspace === "string" ? workspacePaths(workspace) : workspace;
  const missing = missingInitializedMarkers(paths);
  if (missing.length > 0) {
    const shown = path.relative(paths.root, missing[0] ?? paths.runtimeRoot) || ".";
    throw new MillraceError(
      "workspace_not_initialized",
      `${paths.root} is not an initialized Millrace workspace (missing ${shown}${missing.length > 1 ? ` and ${missing.length - 1} more` : ""})`,
      {
        hint: `Run \`millrace init ${paths.root}\` first${missing.length < initializedMarkers(paths).length ? " (or `millrace init --force` to heal it)" : ""}.`,
        details: { missing: missing.map((file) => path.relative(paths.root, file)) },
      },
    );
  }
  return paths;
}

/** The runtime-owned folders an atomic write may leave temp litter in. */
export function runtimeOwnedDirectories(paths: WorkspacePaths): string[] {
  const dirs = [
    paths.runtimeRoot,
    paths.state,
    path.join(paths.state, "stage_processes"),
    paths.mailboxIncoming,
    paths.mailboxProcessed,
    paths.mailboxFailed,
    paths.logs,
    paths.learning,
    path.join(paths.updateCandidates, "deferred"),
    path.join(paths.updateCandidates, "applied"),
    paths.arbiterIdeaContracts,
    paths.arbiterRootSpecContracts,
    paths.arbiterTargets,
    path.join(paths.arbiterDiagnostics, "lineage-drift"),
    path.join(paths.arbiterDiagnostics, "lineage-repairs"),
  ];
  for (const folders of Object.values(paths.queues)) dirs.push(...Object.values(folders));
  return dirs;
}

/**
 * Removes temp files left by interrupted atomic writes from every runtime-owned folder and from the
 * managed asset folders (upgrade writes there). Run directories are included when `includeRuns` is
 * set. Returns the removed paths. Called at startup, before anything reads state.
 */
export function cleanTempLitter(paths: WorkspacePaths, options: { includeRuns?: boolean } = {}): string[] {
  const dirs = runtimeOwnedDirectories(paths);
  for (const family of [
    paths.entrypoints,
    paths.skills,
    paths.modes,
    paths.graphs,
    paths.loops,
    paths.registry,
  ]) {
    collectDirs(family, dirs);
  }
  if (options.includeRuns) {
    for (const name of safeReaddir(paths.runs)) {
      const run = path.join(paths.runs, name);
      dirs.push(run, path.join(run, "stage_results"));
    }
  }
  return removeTempLitter(dirs);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function collectDirs(dir: string, out: string[]): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  out.push(dir);
  for (const entry of entries) if (entry.isDirectory()) collectDirs(path.join(dir, entry.name), out);
}

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  BaselineManifestSchema,
  MillraceError,
  RecoveryCountersSchema,
  RuntimeSnapshotSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  ensureRuntimeStateFiles,
  initDirectories,
  initWorkspace,
  requireInitialized,
  workspacePaths,
} from "../src/index.js";
import { isInitialized } from "../src/init.js";
import { computeManifestId } from "../src/manifest.js";
import { fakeAssets, hashTree, isRoot, makeUnwritable, tempDir } from "./helpers.js";

function expectError(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

describe("initWorkspace", () => {
  it("creates the tree, default files, deploys assets (no dot-files) and writes the manifest", () => {
    const assets = fakeAssets();
    const root = path.join(tempDir(), "new-ws");
    const report = initWorkspace(root, { assetsRoot: assets, now: new Date("2026-04-28T10:00:00Z") });
    const paths = workspacePaths(root);
    expect(report).toMatchObject({ workspace: paths.root, initialized: true, forced: false });
    for (const dir of initDirectories(paths)) expect(existsSync(dir)).toBe(true);
    expect(readFileSync(paths.outline, "utf8")).toBe("");
    expect(readFileSync(paths.historylog, "utf8")).toBe("");
    expect(readFileSync(paths.learningEvents, "utf8")).toBe("");
    for (const file of Object.values(paths.statusFiles))
      expect(readFileSync(file, "utf8")).toBe("### IDLE\n");
    expect(readFileSync(paths.configFile, "utf8")).toBe(
      readFileSync(path.join(assets, "millrace.toml"), "utf8"),
    );
    const snapshot = RuntimeSnapshotSchema.parse(JSON.parse(readFileSync(paths.snapshot, "utf8")));
    expect(snapshot).toMatchObject({
      runtime_mode: "daemon",
      process_running: false,
      paused: false,
      active_mode_id: "default_codex",
      execution_loop_id: "execution.standard",
      planning_loop_id: "planning.standard",
      compiled_plan_id: "bootstrap",
      compiled_plan_path: "millrace-agents/state/compiled_plan.json",
      config_version: "bootstrap",
      watcher_mode: "off",
      updated_at: "2026-04-28T10:00:00Z",
    });
    expect(JSON.parse(readFileSync(paths.recoveryCounters, "utf8"))).toEqual({
      schema_version: "1.0",
      kind: "recovery_counters",
      entries: [],
    });
    expect(readFileSync(path.join(paths.entrypoints, "execution", "builder.md"), "utf8")).toBe("# Builder\n");
    expect(existsSync(path.join(paths.runtimeRoot, ".hidden"))).toBe(false);
    const manifest = BaselineManifestSchema.parse(JSON.parse(readFileSync(paths.baselineManifest, "utf8")));
    expect(manifest.entries.map((e) => e.relative_path)).toEqual([
      "entrypoints/execution/builder.md",
      "entrypoints/planning/planner.md",
      "graphs/execution/standard.json",
      "modes/default_codex.json",
      "skills/shared/a/SKILL.md",
    ]);
    expect(manifest.entries[0]?.asset_family).toBe("entrypoints");
    expect(manifest.manifest_id).toBe(computeManifestId(manifest));
    expect(isInitialized(root)).toBe(true);
    expect(requireInitialized(root).root).toBe(paths.root);
  });

  it("accepts an existing repository folder (only millrace-agents/ must be absent or empty)", () => {
    const root = tempDir();
    writeFileSync(path.join(root, "README.md"), "my project\n");
    mkdirSync(path.join(root, "millrace-agents"));
    initWorkspace(root, { assetsRoot: fakeAssets() });
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toBe("my project\n");
    expect(isInitialized(root)).toBe(true);
  });

  it("a second init without --force refuses with init_target_not_empty (exit 3) and changes nothing", () => {
    const assets = fakeAssets();
    const root = tempDir();
    initWorkspace(root, { assetsRoot: assets });
    const before = hashTree(root);
    const error = expectError(() => initWorkspace(root, { assetsRoot: assets }));
    expect(error.code).toBe("init_target_not_empty");
    expect(error.exitStatus).toBe(3);
    expect(error.message).toContain("millrace-agents");
    expect(error.hint).toContain("--force");
    expect(hashTree(root)).toBe(before);
  });

  it("a target that is a file: init_target_is_file, nothing changes", () => {
    const dir = tempDir();
    const file = path.join(dir, "file.txt");
    writeFileSync(file, "x");
    const before = hashTree(dir);
    const error = expectError(() => initWorkspace(file, { assetsRoot: fakeAssets() }));
    expect(error.code).toBe("init_target_is_file");
    expect(error.exitStatus).toBe(2);
    expect(error.message).toBe(`init target ${file} is a file, not a folder`);
    expect(hashTree(dir)).toBe(before);
  });

  it("a path below a regular file (ENOTDIR, fails even as root): workspace_not_writable, nothing changes", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "file"), "x");
    const before = hashTree(dir);
    const error = expectError(() =>
      initWorkspace(path.join(dir, "file", "ws"), { assetsRoot: fakeAssets() }),
    );
    expect(error.code).toBe("workspace_not_writable");
    expect(error.exitStatus).toBe(1);
    expect(error.message).toContain("ENOTDIR");
    expect(hashTree(dir)).toBe(before);
  });

  it("an unwritable parent folder: workspace_not_writable, nothing changes", (ctx) => {
    const parent = tempDir();
    const undo = makeUnwritable(parent);
    if (!undo) {
      // Running as root without chattr support: permissions cannot stop root here; the ENOTDIR test covers the path.
      ctx.skip();
      return;
    }
    try {
      const before = hashTree(parent);
      const error = expectError(() => initWorkspace(path.join(parent, "ws"), { assetsRoot: fakeAssets() }));
      expect(error.code).toBe("workspace_not_writable");
      expect(error.exitStatus).toBe(1);
      expect(error.message).toMatch(isRoot ? /EPERM/ : /EACCES/);
      expect(hashTree(parent)).toBe(before);
    } finally {
      undo();
    }
  });

  it("--force rewrites managed files only, heals missing folders and files, keeps queue/state/runs/config", () => {
    const assets = fakeAssets();
    const root = tempDir();
    initWorkspace(root, { assetsRoot: assets });
    const paths = workspacePaths(root);
    const builder = path.join(paths.entrypoints, "execution", "builder.md");
    writeFileSync(builder, "edited\n");
    writeFileSync(paths.configFile, '[runtime]\nrun_style = "once"\n');
    writeFileSync(paths.outline, "my outline\n");
    writeFileSync(path.join(paths.queues.task.queue, "t-1.md"), "task\n");
    writeFileSync(paths.statusFiles.execution, "### BUILDER_RUNNING\n");
    mkdirSync(path.join(paths.runs, "run-x"));
    writeFileSync(path.join(paths.runs, "run-x", "out.txt"), "run\n");
    writeFileSync(path.join(paths.skills, "mine.md"), "operator skill\n");
    rmSync(paths.queues.spec.blocked, { recursive: true });
    rmSync(paths.recoveryCounters);

    const report = initWorkspace(root, { assetsRoot: assets, force: true });
    expect(report.forced).toBe(true);
    expect(readFileSync(builder, "utf8")).toBe("# Builder\n");
    expect(readFileSync(paths.configFile, "utf8")).toBe('[runtime]\nrun_style = "once"\n');
    expect(readFileSync(paths.outline, "utf8")).toBe("my outline\n");
    expect(readFileSync(path.join(paths.queues.task.queue, "t-1.md"), "utf8")).toBe("task\n");
    expect(readFileSync(paths.statusFiles.execution, "utf8")).toBe("### BUILDER_RUNNING\n");
    expect(readFileSync(path.join(paths.runs, "run-x", "out.txt"), "utf8")).toBe("run\n");
    expect(readFileSync(path.join(paths.skills, "mine.md"), "utf8")).toBe("operator skill\n");
    expect(existsSync(paths.queues.spec.blocked)).toBe(true);
    expect(
      RecoveryCountersSchema.parse(JSON.parse(readFileSync(paths.recoveryCounters, "utf8"))).entries,
    ).toEqual([]);
  });

  it("falls back to the bootstrap config when the package has no template", () => {
    const assets = fakeAssets();
    rmSync(path.join(assets, "millrace.toml"));
    const root = tempDir();
    initWorkspace(root, { assetsRoot: assets });
    expect(readFileSync(workspacePaths(root).configFile, "utf8")).toContain('default_mode = "default_codex"');
  });
});

describe("requireInitialized and ensureRuntimeStateFiles", () => {
  it("an empty folder is not initialized: workspace_not_initialized (exit 3) naming millrace init", () => {
    const root = tempDir();
    const error = expectError(() => requireInitialized(root));
    expect(error.code).toBe("workspace_not_initialized");
    expect(error.exitStatus).toBe(3);
    expect(error.message).toContain("missing millrace-agents");
    expect(error.hint).toContain(`millrace init ${root}`);
  });

  it("a workspace missing its manifest is not initialized, and the hint offers --force", () => {
    const root = tempDir();
    initWorkspace(root, { assetsRoot: fakeAssets() });
    rmSync(workspacePaths(root).baselineManifest);
    const error = expectError(() => requireInitialized(root));
    expect(error.message).toContain("baseline_manifest.json");
    expect(error.hint).toContain("--force");
  });

  it("re-creates missing state files and leaves present ones alone", () => {
    const root = tempDir();
    initWorkspace(root, { assetsRoot: fakeAssets() });
    const paths = workspacePaths(root);
    rmSync(paths.snapshot);
    rmSync(paths.statusFiles.learning);
    writeFileSync(paths.statusFiles.execution, "### BUILDER_RUNNING\n");
    const written = ensureRuntimeStateFiles(paths);
    expect(written.sort()).toEqual([paths.snapshot, paths.statusFiles.learning].sort());
    expect(readFileSync(paths.statusFiles.execution, "utf8")).toBe("### BUILDER_RUNNING\n");
    expect(ensureRuntimeStateFiles(paths)).toEqual([]);
  });
});

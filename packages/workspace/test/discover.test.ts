import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findWorkspaceRoot, initWorkspace, RUNTIME_GITIGNORE_TEXT } from "../src/index.js";
import { fakeAssets, tempDir } from "./helpers.js";

describe("findWorkspaceRoot", () => {
  it("finds the workspace from itself, its runtime folder and any folder below", () => {
    const root = tempDir();
    initWorkspace(root, { assetsRoot: fakeAssets() });
    const nested = path.join(root, "src", "deep");
    mkdirSync(nested, { recursive: true });
    expect(findWorkspaceRoot(root)).toBe(root);
    expect(findWorkspaceRoot(path.join(root, "millrace-agents"))).toBe(root);
    expect(findWorkspaceRoot(path.join(root, "millrace-agents", "tasks"))).toBe(root);
    expect(findWorkspaceRoot(nested)).toBe(root);
  });

  it("takes the nearest workspace when two are nested", () => {
    const outer = tempDir();
    initWorkspace(outer, { assetsRoot: fakeAssets() });
    const inner = path.join(outer, "sub");
    initWorkspace(inner, { assetsRoot: fakeAssets() });
    expect(findWorkspaceRoot(path.join(inner, "x", "..", "millrace-agents"))).toBe(inner);
  });

  it("ignores a millrace-agents folder without its config, and a config that is a folder", () => {
    const root = tempDir();
    mkdirSync(path.join(root, "millrace-agents", "millrace.toml"), { recursive: true });
    const other = tempDir();
    mkdirSync(path.join(other, "millrace-agents"));
    expect(findWorkspaceRoot(root)).toBeUndefined();
    expect(findWorkspaceRoot(other)).toBeUndefined();
  });
});

describe("init writes millrace-agents/.gitignore", () => {
  it("ignores runtime-owned state but keeps the baseline manifest, and is not rewritten", () => {
    const root = tempDir();
    const report = initWorkspace(root, { assetsRoot: fakeAssets() });
    expect(report.written_files).toContain("millrace-agents/.gitignore");
    expect(RUNTIME_GITIGNORE_TEXT).toContain("/runs/");
    expect(RUNTIME_GITIGNORE_TEXT).toContain("!/state/baseline_manifest.json");
    const file = path.join(root, "millrace-agents", ".gitignore");
    writeFileSync(file, "# mine\n");
    const forced = initWorkspace(root, { assetsRoot: fakeAssets(), force: true });
    expect(forced.written_files).not.toContain("millrace-agents/.gitignore");
  });
});

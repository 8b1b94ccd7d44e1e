import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { applyUpgrade, initWorkspace, previewUpgrade, workspacePaths } from "../src/index.js";
import { loadManifest } from "../src/manifest.js";
import { classify } from "../src/upgrade.js";
import { fakeAssets, hashTree, tempDir } from "./helpers.js";

function setup() {
  const assets = fakeAssets({
    "skills/shared/old/SKILL.md": "old skill\n",
    "modes/edited.json": '{"v":1}\n',
  });
  const root = tempDir();
  initWorkspace(root, { assetsRoot: assets });
  return { assets, root, paths: workspacePaths(root) };
}

function put(base: string, rel: string, text: string) {
  const file = path.join(base, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

describe("classify (the disposition table)", () => {
  const file = (sha: string) => ({ kind: "file" as const, sha });
  const missing = { kind: "missing" as const };
  it("covers every row in order", () => {
    expect(classify({ kind: "other" }, "a", "a", false)).toBe("conflict");
    expect(classify(missing, undefined, "c", false)).toBe("missing");
    expect(classify(file("c"), undefined, "c", false)).toBe("already_converged");
    expect(classify(file("x"), undefined, "c", false)).toBe("conflict");
    expect(classify(file("a"), "a", undefined, true)).toBe("localized_removed");
    expect(classify(file("a"), "a", undefined, false)).toBe("conflict");
    expect(classify(missing, "a", "b", false)).toBe("missing");
    expect(classify(file("a"), "a", "a", false)).toBe("unchanged");
    expect(classify(file("a"), "a", "b", false)).toBe("safe_package_update");
    expect(classify(file("x"), "a", "a", false)).toBe("local_only_modification");
    expect(classify(file("b"), "a", "b", false)).toBe("already_converged");
    expect(classify(file("x"), "a", "b", false)).toBe("conflict");
  });
});

describe("upgrade", () => {
  it("a fresh workspace is all unchanged; counts list all seven dispositions", () => {
    const { assets, root } = setup();
    const report = previewUpgrade(root, { assetsRoot: assets });
    expect(report.counts).toEqual({
      unchanged: 7,
      safe_package_update: 0,
      local_only_modification: 0,
      already_converged: 0,
      localized_removed: 0,
      conflict: 0,
      missing: 0,
    });
    expect(report.applied).toBe(false);
    expect(report.baseline_manifest_id).toBe(report.candidate_manifest_id);
  });

  it("preview reports package updates, local edits, new and missing files and never writes", () => {
    const { assets, root, paths } = setup();
    put(assets, "entrypoints/execution/builder.md", "# Builder v2\n"); // package update
    put(paths.runtimeRoot, "entrypoints/planning/planner.md", "my planner\n"); // local edit
    put(assets, "skills/shared/new/SKILL.md", "new\n"); // new in package
    rmSync(path.join(paths.runtimeRoot, "graphs/execution/standard.json")); // deleted locally
    const before = hashTree(root);
    const report = previewUpgrade(root, { assetsRoot: assets });
    const byPath = Object.fromEntries(report.entries.map((e) => [e.relative_path, e.disposition]));
    expect(byPath).toMatchObject({
      "entrypoints/execution/builder.md": "safe_package_update",
      "entrypoints/planning/planner.md": "local_only_modification",
      "skills/shared/new/SKILL.md": "missing",
      "graphs/execution/standard.json": "missing",
      "modes/default_codex.json": "unchanged",
    });
    expect(hashTree(root)).toBe(before);
  });

  it("apply takes package updates, restores missing files, keeps local edits, and writes a new manifest", () => {
    const { assets, root, paths } = setup();
    put(assets, "entrypoints/execution/builder.md", "# Builder v2\n");
    put(paths.runtimeRoot, "entrypoints/planning/planner.md", "my planner\n");
    put(assets, "skills/shared/new/SKILL.md", "new\n");
    const report = applyUpgrade(root, { assetsRoot: assets });
    expect(report.applied).toBe(true);
    expect(report.written.sort()).toEqual(["entrypoints/execution/builder.md", "skills/shared/new/SKILL.md"]);
    expect(readFileSync(path.join(paths.runtimeRoot, "entrypoints/execution/builder.md"), "utf8")).toBe(
      "# Builder v2\n",
    );
    expect(readFileSync(path.join(paths.runtimeRoot, "entrypoints/planning/planner.md"), "utf8")).toBe(
      "my planner\n",
    );
    const manifest = loadManifest(paths);
    expect(manifest.manifest_id).toBe(report.result_manifest_id);
    const again = previewUpgrade(root, { assetsRoot: assets });
    expect(again.counts.unchanged).toBe(7);
    expect(again.counts.local_only_modification).toBe(1);
  });

  it("a conflict refuses apply (upgrade_conflict, exit 3) and nothing is written", () => {
    const { assets, root, paths } = setup();
    put(assets, "modes/edited.json", '{"v":2}\n');
    put(paths.runtimeRoot, "modes/edited.json", '{"v":"mine"}\n');
    const before = hashTree(root);
    let error: unknown;
    try {
      applyUpgrade(root, { assetsRoot: assets });
    } catch (e) {
      error = e;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    expect((error as MillraceError).code).toBe("upgrade_conflict");
    expect((error as MillraceError).exitStatus).toBe(3);
    expect((error as MillraceError).message).toContain("modes/edited.json");
    expect(hashTree(root)).toBe(before);
  });

  it("--force takes the packaged version of conflicting and locally modified files", () => {
    const { assets, root, paths } = setup();
    put(assets, "modes/edited.json", '{"v":2}\n');
    put(paths.runtimeRoot, "modes/edited.json", '{"v":"mine"}\n');
    put(paths.runtimeRoot, "entrypoints/planning/planner.md", "my planner\n");
    const report = applyUpgrade(root, { assetsRoot: assets, force: true });
    expect(report.forced).toBe(true);
    expect(readFileSync(path.join(paths.runtimeRoot, "modes/edited.json"), "utf8")).toBe('{"v":2}\n');
    expect(readFileSync(path.join(paths.runtimeRoot, "entrypoints/planning/planner.md"), "utf8")).toBe(
      "# Planner\n",
    );
  });

  it("a file removed from the package is a conflict unless localized; localized files stay but leave the manifest", () => {
    const { assets, root, paths } = setup();
    rmSync(path.join(assets, "skills/shared/old"), { recursive: true });
    expect(previewUpgrade(root, { assetsRoot: assets }).counts.conflict).toBe(1);
    const report = applyUpgrade(root, {
      assetsRoot: assets,
      localizeRemoved: ["skills/shared/old/SKILL.md"],
    });
    expect(report.counts.localized_removed).toBe(1);
    expect(readFileSync(path.join(paths.runtimeRoot, "skills/shared/old/SKILL.md"), "utf8")).toBe(
      "old skill\n",
    );
    expect(loadManifest(paths).entries.some((e) => e.relative_path === "skills/shared/old/SKILL.md")).toBe(
      false,
    );
  });

  it("--localize-removed must be a relative path the package really removed (exit 2, nothing written)", () => {
    const { assets, root } = setup();
    const before = hashTree(root);
    for (const bad of ["/etc/passwd", "../x", "skills/shared/old/SKILL.md", "not/tracked.md"]) {
      let error: unknown;
      try {
        applyUpgrade(root, { assetsRoot: assets, localizeRemoved: [bad] });
      } catch (e) {
        error = e;
      }
      expect((error as MillraceError).code).toBe("upgrade_localize_invalid");
      expect((error as MillraceError).exitStatus).toBe(2);
    }
    expect(hashTree(root)).toBe(before);
  });

  it("a path that is a folder instead of a file is a conflict", () => {
    const { assets, root, paths } = setup();
    rmSync(path.join(paths.runtimeRoot, "modes/edited.json"));
    mkdirSync(path.join(paths.runtimeRoot, "modes/edited.json"));
    const report = previewUpgrade(root, { assetsRoot: assets });
    expect(report.entries.find((e) => e.relative_path === "modes/edited.json")?.disposition).toBe("conflict");
  });

  it("an uninitialized folder is refused with workspace_not_initialized", () => {
    expect(() => previewUpgrade(tempDir())).toThrow(
      expect.objectContaining({ code: "workspace_not_initialized" }),
    );
  });

  it("an invalid manifest is refused with manifest_invalid", () => {
    const { assets, root, paths } = setup();
    writeFileSync(paths.baselineManifest, "{}");
    expect(() => previewUpgrade(root, { assetsRoot: assets })).toThrow(
      expect.objectContaining({ code: "manifest_invalid" }),
    );
  });
});

describe("upgrade and installed skills", () => {
  function installRecord(paths: ReturnType<typeof workspacePaths>, name: string) {
    put(paths.runtimeRoot, `skills/learned/${name}/SKILL.md`, "my installed skill\n");
    writeFileSync(
      paths.installedSkills,
      `${JSON.stringify({
        schema_version: "1.0",
        kind: "installed_skills",
        skills: [
          {
            name,
            description: "mine",
            relative_path: `skills/learned/${name}`,
            source_kind: "folder",
            source: "/somewhere",
            files: { [`skills/learned/${name}/SKILL.md`]: "0".repeat(64) },
            installed_at: "2026-04-28T10:00:00Z",
          },
        ],
      })}\n`,
    );
  }

  it("never plans, writes or records files inside an installed skill's folder", () => {
    const { assets, root, paths } = setup();
    installRecord(paths, "deploy-notes");
    // The package now ships a file at the installed skill's path: without the record this would conflict.
    put(assets, "skills/learned/deploy-notes/SKILL.md", "packaged\n");
    put(assets, "skills/learned/deploy-notes/extra.md", "packaged extra\n");
    const preview = previewUpgrade(root, { assetsRoot: assets });
    expect(
      preview.entries.map((e) => e.relative_path).filter((p) => p.startsWith("skills/learned/")),
    ).toEqual([]);
    const report = applyUpgrade(root, { assetsRoot: assets });
    expect(report.counts.conflict).toBe(0);
    expect(readFileSync(path.join(paths.runtimeRoot, "skills/learned/deploy-notes/SKILL.md"), "utf8")).toBe(
      "my installed skill\n",
    );
    expect(loadManifest(paths).entries.some((e) => e.relative_path.startsWith("skills/learned/"))).toBe(
      false,
    );
  });

  it("refuses to upgrade when the installed-skills manifest is unreadable, naming the file", () => {
    const { assets, root, paths } = setup();
    writeFileSync(paths.installedSkills, "{not json");
    expect(() => applyUpgrade(root, { assetsRoot: assets })).toThrowError(
      /installed-skills manifest .* not valid JSON/,
    );
    try {
      previewUpgrade(root, { assetsRoot: assets });
    } catch (error) {
      expect(MillraceError.isInstance(error) && error.code).toBe("manifest_invalid");
    }
  });
});

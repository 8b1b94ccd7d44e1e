import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

function initialized() {
  const root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
  const rt = path.join(root, "millrace-agents");
  const manifest = JSON.parse(readFileSync(path.join(rt, "state", "baseline_manifest.json"), "utf8")) as {
    entries: { relative_path: string }[];
  };
  return { root, rt, managed: manifest.entries.map((e) => e.relative_path) };
}

describe("millrace upgrade", () => {
  it("a fresh workspace previews as all unchanged, with all seven counts", () => {
    const { root, managed } = initialized();
    const run = runCli(["upgrade", "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^applied: false\nbaseline_manifest_id: [0-9a-f]{64}\ncandidate_manifest_id: [0-9a-f]{64}\n/,
    );
    expect(run.stdout).toContain(
      `unchanged: ${managed.length}\nsafe_package_update: 0\nlocal_only_modification: 0\nalready_converged: 0\nlocalized_removed: 0\nconflict: 0\nmissing: 0\n`,
    );
    // Only what changes is listed; --verbose lists every managed file.
    expect(run.stdout).not.toContain("entry: ");
    expect(run.stdout).toMatch(
      new RegExp(`entries_not_listed: ${managed.length} \\(unchanged; --verbose lists them\\)\\n$`),
    );
    const verbose = runCli(["upgrade", "--verbose", "-w", root]);
    expect(verbose.stdout).toContain(`entry: ${managed[0]} unchanged\n`);
    expect(verbose.stdout).not.toContain("entries_not_listed");
    expect(runCli(["upgrade", "--verbose", "--json", "-w", root]).stdout).toBe(
      runCli(["upgrade", "--json", "-w", root]).stdout,
    );
  });

  it("an edited managed file is reported as modified locally, and --apply keeps the edit", () => {
    const { root, rt, managed } = initialized();
    const rel = managed[0] ?? "";
    const file = path.join(rt, rel);
    writeFileSync(file, "my local version\n");
    const before = hashTree(root);
    const preview = runCli(["upgrade", "-w", root]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain(`entry: ${rel} local_only_modification\n`);
    expect(preview.stdout).toContain("local_only_modification: 1\n");
    expect(hashTree(root)).toBe(before);
    const apply = runCli(["upgrade", "--apply", "-w", root, "--json"]);
    expect(apply.status).toBe(0);
    const report = apply.json<{ applied: boolean; written: string[]; result_manifest_id: string }>();
    expect(report.applied).toBe(true);
    expect(report.written).toEqual([]);
    expect(report.result_manifest_id).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, "utf8")).toBe("my local version\n");
  });

  it("--apply restores a deleted managed file", () => {
    const { root, rt, managed } = initialized();
    const rel = managed[1] ?? "";
    const original = readFileSync(path.join(rt, rel), "utf8");
    rmSync(path.join(rt, rel));
    const apply = runCli(["upgrade", "--apply", "-w", root]);
    expect(apply.status).toBe(0);
    expect(apply.stdout).toContain(`entry: ${rel} missing\n`);
    expect(readFileSync(path.join(rt, rel), "utf8")).toBe(original);
  });

  it("--localize-removed with a path the package still ships: exit 2, nothing changed", () => {
    const { root, managed } = initialized();
    const before = hashTree(root);
    const run = runCli(["upgrade", "--apply", "--localize-removed", managed[0] ?? "", "-w", root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: --localize-removed .* is not a file the package removed/);
    expect(hashTree(root)).toBe(before);
  });

  it("--localize-removed-from reads paths from a file (comments and blanks ignored)", () => {
    const { root, managed } = initialized();
    const list = path.join(tempDir(), "keep.txt");
    writeFileSync(list, `# kept files\n\n${managed[0]}  # still shipped\n`);
    const run = runCli(["upgrade", "--localize-removed-from", list, "-w", root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--localize-removed ${managed[0]} is not a file the package removed`);
    const missing = runCli([
      "upgrade",
      "--localize-removed-from",
      path.join(tempDir(), "none.txt"),
      "-w",
      root,
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read --localize-removed-from /);
  });

  it("an uninitialized folder: exit 3", () => {
    const run = runCli(["upgrade", "-w", tempDir()]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("millrace init");
  });
});

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

describe("millrace init", () => {
  it("creates a workspace that doctor reports healthy", () => {
    const root = path.join(tempDir(), "x");
    const init = runCli(["init", root]);
    expect(init.status).toBe(0);
    expect(init.stdout).toContain(`workspace: ${root}\ninitialized: true\n`);
    expect(existsSync(path.join(root, "millrace-agents", "state", "baseline_manifest.json"))).toBe(true);
    const doctor = runCli(["doctor", "--workspace", root, "--json"]);
    const report = doctor.json<{ ok: boolean; checks: { group: string; code: string; status: string }[] }>();
    // Healthy: the only possible error is the agent CLI this machine may lack (doctor.e2e covers it).
    const errors = report.checks.filter((c) => c.status === "error").map((c) => c.code);
    expect(errors.filter((code) => code !== "mode_runner_unavailable")).toEqual([]);
    expect(doctor.status).toBe(errors.length === 0 ? 0 : 1);
    const own = report.checks.filter((c) =>
      ["workspace", "assets", "config", "lock", "queue"].includes(c.group),
    );
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((c) => c.status === "ok")).toBe(true);
  });

  it("defaults to --workspace, and resolves a relative path against the current folder", () => {
    const base = tempDir();
    expect(runCli(["init", "--workspace", path.join(base, "a")]).status).toBe(0);
    expect(existsSync(path.join(base, "a", "millrace-agents", "millrace.toml"))).toBe(true);
    expect(runCli(["init", "b"], { cwd: base }).status).toBe(0);
    expect(existsSync(path.join(base, "b", "millrace-agents", "millrace.toml"))).toBe(true);
  });

  it("--json prints the init report", () => {
    const root = tempDir();
    const run = runCli(["init", root, "--json"]);
    expect(run.status).toBe(0);
    expect(run.json()).toMatchObject({ workspace: root, initialized: true, forced: false });
  });

  it("a second init without --force refuses (exit 3) and changes nothing", () => {
    const root = tempDir();
    expect(runCli(["init", root]).status).toBe(0);
    const before = hashTree(root);
    const again = runCli(["init", root]);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(
      /^error: .*millrace-agents already holds files.*\nhint: Run `millrace init --force/,
    );
    expect(again.stdout).toBe("");
    expect(hashTree(root)).toBe(before);
    const json = runCli(["init", root, "--json"]);
    expect(json.status).toBe(3);
    expect(json.json<{ error: { code: string } }>().error.code).toBe("init_target_not_empty");
    expect(hashTree(root)).toBe(before);
  });

  it("--force restores a managed file and keeps the operator's config", () => {
    const root = tempDir();
    runCli(["init", root]);
    const config = path.join(root, "millrace-agents", "millrace.toml");
    writeFileSync(config, '[runtime]\nrun_style = "once"\n');
    const manifest = JSON.parse(
      readFileSync(path.join(root, "millrace-agents", "state", "baseline_manifest.json"), "utf8"),
    );
    const managed = path.join(root, "millrace-agents", manifest.entries[0].relative_path);
    const original = readFileSync(managed, "utf8");
    writeFileSync(managed, "scribbled\n");
    const run = runCli(["init", root, "--force"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("forced: true");
    expect(readFileSync(managed, "utf8")).toBe(original);
    expect(readFileSync(config, "utf8")).toBe('[runtime]\nrun_style = "once"\n');
  });

  it("a target that is a file: exit 2, one-line error and hint, nothing changed", () => {
    const dir = tempDir();
    const file = path.join(dir, "notes.txt");
    writeFileSync(file, "hello");
    const before = hashTree(dir);
    const run = runCli(["init", file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `error: init target ${file} is a file, not a folder\nhint: Pass a folder path (absent or empty) to \`millrace init\`.\n`,
    );
    expect(hashTree(dir)).toBe(before);
  });

  it("an unwritable location (a parent that is a file, which fails even for root): exit 1, nothing changed", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "file"), "x");
    const before = hashTree(dir);
    const run = runCli(["init", path.join(dir, "file", "ws")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: cannot write .*ENOTDIR.*\nhint: A parent of this path is a file/);
    expect(hashTree(dir)).toBe(before);
  });
});

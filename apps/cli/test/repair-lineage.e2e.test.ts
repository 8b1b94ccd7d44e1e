import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LineageRepairReportSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

/**
 * A workspace with an open closure target for spec-root (idea idea-root) and a queued task of the
 * same root idea that names another root spec: the lineage drift `queue repair-lineage` repairs.
 */
function driftedWorkspace(): { root: string; taskFile: string } {
  const root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
  const runtime = path.join(root, "millrace-agents");
  mkdirSync(path.join(runtime, "arbiter", "targets"), { recursive: true });
  writeFileSync(
    path.join(runtime, "arbiter", "targets", "spec-root.json"),
    `${JSON.stringify({
      schema_version: "1.0",
      kind: "closure_target_state",
      root_spec_id: "spec-root",
      root_idea_id: "idea-root",
      root_spec_path: "millrace-agents/arbiter/contracts/root-specs/spec-root.md",
      root_idea_path: "millrace-agents/arbiter/contracts/ideas/idea-root.md",
      rubric_path: "millrace-agents/arbiter/rubrics/spec-root.md",
      closure_open: true,
      opened_at: "2026-12-06T09:00:00Z",
    })}\n`,
  );
  const doc = path.join(tempDir(), "task-stray.json");
  writeFileSync(
    doc,
    JSON.stringify({
      kind: "task",
      task_id: "task-stray",
      title: "Stray work",
      root_spec_id: "spec-stray",
      root_idea_id: "idea-root",
      spec_id: "spec-stray",
      target_paths: ["src/stray.ts"],
      acceptance: ["the stray work is done"],
      required_checks: ["npm test"],
      references: ["docs/stray.md"],
      risk: ["low"],
      created_at: "2026-12-06T09:30:00Z",
      created_by: "test",
      body: "Stray work of the same idea.",
    }),
  );
  const imported = runCli(["queue", "import", doc, "--kind", "task", "-w", root]);
  expect(imported.status, imported.stderr).toBe(0);
  return { root, taskFile: path.join(runtime, "tasks", "queue", "task-stray.md") };
}

describe("millrace queue repair-lineage", () => {
  it("previews, then applies with the issuer recorded; text and JSON", () => {
    const { root, taskFile } = driftedWorkspace();
    const before = readFileSync(taskFile, "utf8");
    const preview = runCli(["queue", "repair-lineage", "--root-spec-id", "spec-root", "-w", root]);
    expect(preview.status, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(
      /^root_spec_id: spec-root\napplied: false\nchanges: 1\nskipped: 0\nreport: /,
    );
    expect(preview.stdout).toContain(
      "would change: task task-stray (queue) root_spec_id spec-stray -> spec-root, spec_id spec-stray -> spec-root\n",
    );
    expect(readFileSync(taskFile, "utf8")).toBe(before);

    const applied = runCli([
      "queue",
      "repair-lineage",
      "--root-spec-id",
      "spec-root",
      "--apply",
      "--issuer",
      "Ops Agent",
      "-w",
      root,
      "--json",
    ]);
    expect(applied.status, applied.stderr).toBe(0);
    const report = LineageRepairReportSchema.parse(applied.json());
    expect(report).toMatchObject({ applied: true, issuer: "ops-agent", root_idea_id: "idea-root" });
    expect(existsSync(path.join(root, report.report_path))).toBe(true);
    expect(readFileSync(taskFile, "utf8")).toMatch(/Root-Spec-ID: spec-root/);
    const events = readFileSync(path.join(root, "millrace-agents", "logs", "runtime_events.jsonl"), "utf8");
    expect(events).toContain('"closure_lineage_repaired"');

    const again = runCli(["queue", "repair-lineage", "--root-spec-id", "spec-root", "-w", root]);
    expect(again.stdout).toContain("changes: 0\n");
  });

  it("refuses a missing or unsafe root spec id, an unknown target and a blank issuer, changing nothing", () => {
    const { root, taskFile } = driftedWorkspace();
    const before = readFileSync(taskFile, "utf8");
    const missing = runCli(["queue", "repair-lineage", "-w", root]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/needs --root-spec-id/);
    const unsafe = runCli(["queue", "repair-lineage", "--root-spec-id", "../x", "-w", root]);
    expect(unsafe.status).toBe(2);
    expect(unsafe.stderr).toMatch(/invalid root spec id/);
    const unknown = runCli(["queue", "repair-lineage", "--root-spec-id", "spec-nope", "--apply", "-w", root]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no closure target for root spec spec-nope/);
    expect(unknown.stderr).toMatch(/hint: /);
    const blank = runCli([
      "queue",
      "repair-lineage",
      "--root-spec-id",
      "spec-root",
      "--apply",
      "--issuer",
      " ",
      "-w",
      root,
    ]);
    expect(blank.status).toBe(2);
    expect(readFileSync(taskFile, "utf8")).toBe(before);
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

describe("millrace demo --mode blueprint", () => {
  it("runs the demo spec through blueprint planning to Arbiter closure", () => {
    const target = path.join(tempDir("millrace-demo-blueprint-"), "demo");
    const run = runCli(["demo", target, "--mode", "blueprint"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("mode: blueprint_codex");
    expect(run.stdout).toMatch(/stage start planning\/manager node=manager_blueprint/);
    expect(run.stdout).toMatch(/node=contractor_blueprint .*work=blueprint_draft:spec-welcome-page-draft-1/);
    expect(run.stdout).toContain("result=BLUEPRINT_REJECTED");
    expect(run.stdout).toContain("stage start planning/arbiter");
    expect(run.stdout).toContain("demo finished");

    const runtime = path.join(target, "millrace-agents");
    expect(readdirSync(path.join(runtime, "blueprints", "drafts", "done")).sort()).toEqual([
      "spec-welcome-page-draft-1.md",
      "spec-welcome-page-draft-2.md",
    ]);
    expect(readdirSync(path.join(runtime, "tasks", "done")).sort()).toEqual([
      "spec-welcome-page-draft-1-task.md",
      "spec-welcome-page-draft-2-task.md",
      "task-readme-note.md",
    ]);
    const closure = JSON.parse(
      readFileSync(path.join(runtime, "arbiter", "targets", "spec-welcome-page.json"), "utf8"),
    );
    expect(closure.closure_open).toBe(false);

    // Drafts show up in the queue listing under their own kind.
    const ls = runCli(["queue", "ls", "-w", target, "--kind", "blueprint_draft"]);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(
      /^blueprint_draft\s+done\s+spec-welcome-page-draft-1\s+Build the welcome page$/m,
    );
    const show = runCli(["queue", "show", "spec-welcome-page-draft-2", "-w", target]);
    expect(show.stdout).toContain(
      "path: millrace-agents/blueprints/drafts/done/spec-welcome-page-draft-2.md",
    );
  });

  it("refuses an unknown demo mode before creating anything", () => {
    const target = path.join(tempDir("millrace-demo-badmode-"), "demo");
    const run = runCli(["demo", target, "--mode", "nonsense"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/mode/);
    expect(run.stderr).toMatch(/standard, blueprint|"standard", "blueprint"/);
    expect(existsSync(target)).toBe(false);
  });
});

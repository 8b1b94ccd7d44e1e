import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  extractRunCandidate,
  flushRunCandidates,
  loadCompoundingSnapshot,
  recordRunCandidate,
  selectPromptContext,
  writeSelectionArtifact,
} from "@millrace/compounding";
import {
  CompoundingItemDetailSchema,
  CompoundingItemListOutputSchema,
  CompoundingLintReportSchema,
  CompoundingOrientOutputSchema,
  CompoundingSummarySchema,
  ControlResultOutputSchema,
  RunDetailSchema,
  SkillDetailSchema,
  SkillInstallOutputSchema,
  SkillListOutputSchema,
} from "@millrace/contracts";
import { acquireLock, workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const RUN = "run-e2e1";
const REQUEST = "req-build-1";
const ID = `proc.workspace.${RUN}.${REQUEST}.builder`;

/** A workspace with one flushed (pending) procedure, made through the package as the engine does. */
function seededWorkspace(): string {
  const ws = path.join(tempDir("millrace-compounding-e2e-"), "ws");
  expect(runCli(["init", ws]).status).toBe(0);
  const paths = workspacePaths(ws);
  const candidate = extractRunCandidate({
    runId: RUN,
    requestId: REQUEST,
    stage: "builder",
    terminalResult: "BUILDER_COMPLETE",
    finalMessage: "# Run make check first\n\nIt runs lint and the unit tests.\n\n### BUILDER_COMPLETE\n",
    completedAt: "2026-05-01T10:00:00Z",
  });
  if (!candidate) throw new Error("no candidate");
  recordRunCandidate(paths, candidate);
  flushRunCandidates(paths, {
    runId: RUN,
    milestone: "stage_success",
    now: new Date("2026-05-01T10:01:00Z"),
  });
  return ws;
}

function skillFolder(root: string, name: string, description = "How to do one thing well."): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "SKILL.md"),
    `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n`,
  );
  return dir;
}

describe("millrace compounding", () => {
  let ws: string;
  beforeAll(() => {
    ws = seededWorkspace();
  });

  it("summarizes, lists and shows, with --json shapes from contracts", () => {
    const summary = CompoundingSummarySchema.parse(runCli(["compounding", "--json", "-w", ws]).json());
    expect(summary.procedures).toMatchObject({ total: 2, pending: 1, run_candidates: 1 });
    expect(summary.pending_governance_items).toEqual([ID]);
    expect(runCli(["compounding", "-w", ws]).stdout).toContain(`pending review: ${ID}`);

    const list = CompoundingItemListOutputSchema.parse(
      runCli(["compounding", "procedures", "--json", "-w", ws]).json(),
    );
    expect(list.items.map((item) => [item.item_id, item.status])).toContainEqual([ID, "stale"]);
    expect(runCli(["compounding", "procedures", "-w", ws]).stdout).toContain(
      `stale ${ID} workspace from builder`,
    );
    const detail = CompoundingItemDetailSchema.parse(
      runCli(["compounding", "procedures", "show", ID, "--json", "-w", ws]).json(),
    );
    expect(detail.title).toBe("Run make check first");
    expect(detail.lifecycle.map((r) => r.state)).toEqual(["candidate"]);
    expect(runCli(["compounding", "procedures", "show", ID, "-w", ws]).stdout).toContain("It runs lint");
    expect(
      CompoundingItemListOutputSchema.parse(runCli(["compounding", "facts", "--json", "-w", ws]).json())
        .items,
    ).toEqual([]);
  });

  it("promotes and deprecates through the control path, idempotently, with the issuer recorded", () => {
    const promote = runCli([
      "compounding",
      "procedures",
      "promote",
      ID,
      "--reason",
      "verified",
      "--changed-by",
      "ana",
      "--json",
      "-w",
      ws,
    ]);
    expect(promote.status, promote.stderr).toBe(0);
    const result = ControlResultOutputSchema.parse(promote.json());
    expect(result).toMatchObject({ action: "promote_compounding_item", mode: "direct", applied: true });
    expect(result.detail).toContain("promoted by ana: verified");
    const again = ControlResultOutputSchema.parse(
      runCli(["compounding", "procedures", "promote", ID, "--reason", "again", "--json", "-w", ws]).json(),
    );
    expect(again.applied).toBe(false);
    const shown = CompoundingItemDetailSchema.parse(
      runCli(["compounding", "procedures", "show", ID, "--json", "-w", ws]).json(),
    );
    expect(shown.status).toBe("eligible");
    expect(shown.lifecycle.at(-1)).toMatchObject({
      state: "promoted",
      changed_by: "ana",
      reason: "verified",
    });

    const deprecate = runCli([
      "compounding",
      "procedures",
      "deprecate",
      ID,
      "--reason",
      "outdated",
      "-w",
      ws,
    ]);
    expect(deprecate.status, deprecate.stderr).toBe(0);
    expect(deprecate.stdout).toContain("applied: true");
    const after = CompoundingItemDetailSchema.parse(
      runCli(["compounding", "procedures", "show", ID, "--json", "-w", ws]).json(),
    );
    expect(after.status).toBe("deprecated");
  });

  it("runs show prints each stage's selection: decisions, budget used, items filtered out", () => {
    const other = seededWorkspace();
    expect(runCli(["compounding", "procedures", "promote", ID, "--reason", "ok", "-w", other]).status).toBe(
      0,
    );
    const paths = workspacePaths(other);
    const { selection } = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: "run-sel1",
      stage: "builder",
    });
    writeSelectionArtifact(path.join(paths.runs, "run-sel1"), "req-sel-1", selection);
    const shown = runCli(["runs", "show", "run-sel1", "-w", other]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("compounding: builder request=req-sel-1 profile=compounding");
    expect(shown.stdout).toMatch(
      /procedures: considered=1 selected=1 truncated=0 used=\d+\/2200 max_items=2 excluded: scope_not_allowed=1/,
    );
    expect(shown.stdout).toContain(`  selected ${ID} (broader_scope,`);
    const json = RunDetailSchema.parse(runCli(["runs", "show", "run-sel1", "--json", "-w", other]).json());
    expect(json.compounding.selections[0]?.selection.procedures.selected_ids).toEqual([ID]);
  });

  it("queues promote for the daemon when one owns the workspace", () => {
    const other = seededWorkspace();
    const lock = acquireLock(workspacePaths(other));
    try {
      const run = runCli([
        "compounding",
        "procedures",
        "promote",
        ID,
        "--reason",
        "ok",
        "--json",
        "-w",
        other,
      ]);
      expect(run.status, run.stderr).toBe(0);
      expect(ControlResultOutputSchema.parse(run.json())).toMatchObject({ mode: "mailbox", applied: false });
      const incoming = path.join(other, "millrace-agents", "state", "mailbox", "incoming");
      expect(readdirSync(incoming).filter((name) => name.endsWith(".json"))).toHaveLength(1);
    } finally {
      lock.release();
    }
  });

  it("orients and lints", () => {
    const orient = CompoundingOrientOutputSchema.parse(
      runCli(["compounding", "orient", "--query", "make check", "--json", "-w", ws]).json(),
    );
    expect(orient.entries.map((e) => e.entry_id)).toContain(ID);
    expect(orient.written).toHaveLength(2);
    const lint = runCli(["compounding", "lint", "--json", "-w", ws]);
    expect(CompoundingLintReportSchema.parse(lint.json()).status).not.toBe("fail");
    expect(lint.status).toBe(0);
    // A lifecycle record whose procedure is gone fails lint (exit 1) and the doctor's compounding group.
    const orphan = path.join(
      ws,
      "millrace-agents",
      "compounding",
      "lifecycle",
      "lc.procedure.proc.workspace.gone.0001.json",
    );
    writeFileSync(
      orphan,
      JSON.stringify({
        record_id: "lc.procedure.proc.workspace.gone.0001",
        procedure_id: "proc.workspace.gone",
        fact_id: null,
        state: "promoted",
        scope: "workspace",
        changed_at: "2026-05-01T10:00:00Z",
        changed_by: "cli",
        reason: "x",
        replacement_procedure_id: null,
      }),
    );
    const failing = runCli(["compounding", "lint", "-w", ws]);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain("fail lifecycle.orphaned.lc.procedure.proc.workspace.gone.0001");
    const doctor = runCli(["doctor", "--json", "-w", ws]).json<{
      checks: { code: string; group: string }[];
    }>();
    expect(doctor.checks.filter((c) => c.group === "compounding").map((c) => c.code)).toContain(
      "compounding_integrity_failed",
    );
  });

  it("refuses bad input with a one-line error, the documented exit code and nothing written", () => {
    const before = readdirSync(path.join(ws, "millrace-agents", "compounding", "lifecycle")).length;
    const unknown = runCli([
      "compounding",
      "procedures",
      "promote",
      "proc.workspace.nope",
      "--reason",
      "x",
      "-w",
      ws,
    ]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no procedure has the id proc.workspace.nope");
    const unsafe = runCli(["compounding", "procedures", "show", "../../etc/passwd", "--json", "-w", ws]);
    expect(unsafe.status).toBe(2);
    expect(unsafe.json<{ error: { code: string } }>().error.code).toBe("invalid_id");
    const noReason = runCli(["compounding", "procedures", "promote", ID, "-w", ws]);
    expect(noReason.status).toBe(2);
    expect(noReason.stderr).toContain("needs --reason");
    const runScoped = runCli([
      "compounding",
      "procedures",
      "promote",
      `proc.run.${RUN}.${REQUEST}.builder`,
      "--reason",
      "x",
      "-w",
      ws,
    ]);
    expect(runScoped.status).toBe(2);
    expect(runScoped.stderr).toContain("run-scoped");
    expect(runCli(["compounding", "lint", "extra", "-w", ws]).status).toBe(2);
    expect(readdirSync(path.join(ws, "millrace-agents", "compounding", "lifecycle")).length).toBe(before);
    const missing = runCli(["compounding", "--json", "-w", tempDir("millrace-not-ws-")]);
    expect(missing.status).toBe(3);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe("workspace_not_initialized");
  });
});

describe("millrace skills", () => {
  it("installs from a folder and from an npm-packed tarball, lists, shows, survives upgrade, removes", () => {
    const ws = path.join(tempDir("millrace-skills-e2e-"), "ws");
    expect(runCli(["init", ws]).status).toBe(0);
    const src = tempDir("millrace-skills-src-");
    skillFolder(src, "make-check");
    const installed = runCli(["skills", "install", path.join(src, "make-check"), "--json", "-w", ws]);
    expect(installed.status, installed.stderr).toBe(0);
    expect(SkillInstallOutputSchema.parse(installed.json()).installed.map((s) => s.name)).toEqual([
      "make-check",
    ]);

    const pkg = path.join(tempDir("millrace-skills-pkg-"), "acme-skills");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, "package.json"),
      JSON.stringify({ name: "acme-skills", version: "1.0.0", files: ["skills"] }),
    );
    skillFolder(path.join(pkg, "skills"), "lint-first");
    const packed = spawnSync("npm", ["pack", "--silent"], { cwd: pkg, encoding: "utf8" });
    expect(packed.status, packed.stderr).toBe(0);
    const tgz = path.join(pkg, packed.stdout.trim().split("\n").at(-1) as string);
    const fromTgz = runCli(["skills", "install", tgz, "--json", "-w", ws]);
    expect(fromTgz.status, fromTgz.stderr).toBe(0);
    expect(SkillInstallOutputSchema.parse(fromTgz.json()).installed[0]).toMatchObject({
      name: "lint-first",
      source_kind: "tarball",
    });

    const listed = SkillListOutputSchema.parse(runCli(["skills", "ls", "--json", "-w", ws]).json());
    expect(listed.skills.map((s) => [s.name, s.status])).toEqual([
      ["lint-first", "ok"],
      ["make-check", "ok"],
    ]);
    expect(
      SkillDetailSchema.parse(runCli(["skills", "show", "make-check", "--json", "-w", ws]).json()).skill_md,
    ).toContain("# make-check");
    expect(runCli(["upgrade", "--apply", "-w", ws]).status).toBe(0);
    expect(existsSync(path.join(ws, "millrace-agents", "skills", "learned", "make-check", "SKILL.md"))).toBe(
      true,
    );
    const doctor = runCli(["doctor", "--json", "-w", ws]).json<{ checks: { code: string }[] }>();
    expect(doctor.checks.map((c) => c.code)).toContain("skills_installed");

    expect(runCli(["skills", "remove", "make-check", "-w", ws]).stdout).toContain("removed make-check");
    expect(existsSync(path.join(ws, "millrace-agents", "skills", "learned", "make-check"))).toBe(false);
  });

  it("refuses a malformed skill with the reason, and unknown names", () => {
    const ws = path.join(tempDir("millrace-skills-bad-"), "ws");
    expect(runCli(["init", ws]).status).toBe(0);
    const src = tempDir("millrace-skills-bad-src-");
    const dir = path.join(src, "broken");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "SKILL.md"), "no front matter\n");
    writeFileSync(path.join(dir, "run.sh"), "#!/bin/sh\necho hi\n");
    const bad = runCli(["skills", "install", dir, "-w", ws]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("skill validation failed: broken: run.sh: only text files");
    expect(existsSync(path.join(ws, "millrace-agents", "skills", "learned", "broken"))).toBe(false);
    expect(runCli(["skills", "remove", "nope", "-w", ws]).status).not.toBe(0);
    expect(runCli(["skills", "install", "-w", ws]).status).toBe(2);
    expect(runCli(["skills", "install", "not-installed-pkg", "-w", ws]).stderr).toContain(
      "npm install not-installed-pkg",
    );
  });
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const TASK_MD = `# Add retry budget to fetcher

Task-ID: task-add-retry-001
Title: Add retry budget to fetcher
Summary: Bound HTTP retries
Created-At: 2026-04-28T10:00:00Z
Created-By: manager

Target-Paths:
- src/fetcher.py

Acceptance:
- retries stop after 3 attempts

Required-Checks:
- pytest -q

References:
- docs/fetcher.md

Risk:
- low
`;

function initWorkspace(): string {
  const dir = tempDir("millrace-queue-e2e-");
  const ws = path.join(dir, "ws");
  const init = runCli(["init", ws]);
  expect(init.status, init.stderr).toBe(0);
  return ws;
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, name.name);
      if (name.isDirectory()) walk(full);
      else out.push(`${path.relative(dir, full)}:${readFileSync(full).length}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe("queue commands", () => {
  let ws: string;
  beforeAll(() => {
    ws = initWorkspace();
  });

  it("add-task, queue ls and queue show", () => {
    const added = runCli([
      "-w",
      ws,
      "add-task",
      "Fix the login redirect",
      "--id",
      "task-login",
      "--spec-id",
      "spec-auth",
    ]);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toBe("enqueued_task: millrace-agents/tasks/queue/task-login.md\nid: task-login\n");
    const ls = runCli(["-w", ws, "queue", "ls", "--json"]);
    expect(ls.status).toBe(0);
    const listing = ls.json<{ depths: { execution: number }; items: Array<{ id: string; state: string }> }>();
    expect(listing.depths.execution).toBe(1);
    expect(listing.items.map((item) => [item.id, item.state])).toEqual([["task-login", "queue"]]);
    const text = runCli(["-w", ws, "queue", "ls", "--kind", "task"]);
    expect(text.stdout).toBe("task  queue  task-login  Fix the login redirect\n");
    const summary = runCli(["-w", ws, "queue", "ls", "--summary"]);
    expect(summary.stdout).toContain("queue_depth_execution: 1\n");
    expect(summary.stdout).not.toContain("task-login");
    const show = runCli(["-w", ws, "queue", "show", "task-login", "--json"]);
    expect(show.json()).toMatchObject({ kind: "task", state: "queue", document: { spec_id: "spec-auth" } });
  });

  it("add-spec with a body file, and queue import of .md and .json", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "body.md"), "Context for the planner.\nGoals: prose, not a field.\n");
    const spec = runCli([
      "-w",
      ws,
      "add-spec",
      "Harden the fetcher",
      "--id",
      "spec-fetch",
      "--body-file",
      path.join(dir, "body.md"),
    ]);
    expect(spec.status, spec.stderr).toBe(0);
    const specText = readFileSync(path.join(ws, "millrace-agents/specs/queue/spec-fetch.md"), "utf8");
    expect(specText.endsWith("\nContext for the planner.\nGoals: prose, not a field.\n")).toBe(true);
    writeFileSync(path.join(dir, "task.md"), TASK_MD);
    const md = runCli(["-w", ws, "queue", "import", path.join(dir, "task.md")]);
    expect(md.status, md.stderr).toBe(0);
    expect(readFileSync(path.join(ws, "millrace-agents/tasks/queue/task-add-retry-001.md"), "utf8")).toBe(
      TASK_MD,
    );
    writeFileSync(
      path.join(dir, "probe.json"),
      JSON.stringify({
        probe_id: "probe-1",
        title: "Look",
        summary: "s",
        request: "r",
        created_at: "2026-04-28T11:00:00+00:00",
        created_by: "op",
      }),
    );
    const json = runCli([
      "-w",
      ws,
      "queue",
      "import",
      path.join(dir, "probe.json"),
      "--kind",
      "probe",
      "--json",
    ]);
    expect(json.json()).toEqual({
      enqueued: true,
      kind: "probe",
      id: "probe-1",
      path: "millrace-agents/probes/queue/probe-1.md",
    });
  });

  it("add-idea drops the file into the ideas inbox", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "fetcher.md"), "# Fetcher\n\nMake it robust.\n");
    const run = runCli(["-w", ws, "add-idea", path.join(dir, "fetcher.md")]);
    expect(run.stdout).toBe("enqueued_idea: ideas/inbox/fetcher.md\n");
    expect(readFileSync(path.join(ws, "ideas/inbox/fetcher.md"), "utf8")).toBe(
      "# Fetcher\n\nMake it robust.\n",
    );
  });

  it("interventions record who acted and why", () => {
    runCli(["-w", ws, "add-task", "Old way", "--id", "task-old"]);
    runCli(["-w", ws, "add-task", "New way", "--id", "task-new"]);
    const run = runCli([
      "-w",
      ws,
      "queue",
      "supersede",
      "task-old",
      "--replacement",
      "task-new",
      "--reason",
      "rewritten",
      "--actor",
      "alice",
      "--json",
    ]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      action: "supersede",
      applied: true,
      mode: "direct",
      actor: "alice",
      reason: "rewritten",
    });
    const cancel = runCli(["-w", ws, "queue", "cancel", "task-new", "--reason", "no longer wanted"]);
    expect(cancel.status).toBe(0);
    expect(cancel.stdout).toContain("destination_state: cancelled\n");
    const log = readFileSync(
      path.join(ws, "millrace-agents/tasks/queue/cancelled/interventions.jsonl"),
      "utf8",
    );
    expect(JSON.parse(log.trim())).toMatchObject({
      action: "cancel",
      actor: "operator",
      reason: "no longer wanted",
    });
  });
});

describe("more interventions", () => {
  it("retarget, resolve and archive --invalid", () => {
    const ws = initWorkspace();
    const dir = tempDir();
    runCli(["-w", ws, "add-task", "Base", "--id", "task-base"]);
    runCli(["-w", ws, "add-task", "Other", "--id", "task-other"]);
    const child = TASK_MD.replace("task-add-retry-001", "task-child").replace(
      "Target-Paths:",
      "Depends-On:\n- task-base\n\nTarget-Paths:",
    );
    writeFileSync(path.join(dir, "child.md"), child);
    expect(runCli(["-w", ws, "queue", "import", path.join(dir, "child.md")]).status).toBe(0);
    const retarget = runCli([
      "-w",
      ws,
      "queue",
      "retarget",
      "task-child",
      "--from",
      "task-base",
      "--to",
      "task-other",
      "--reason",
      "split",
      "--json",
    ]);
    expect(retarget.json()).toMatchObject({
      action: "retarget_dependency",
      replacement_work_item_id: "task-other",
    });
    const shown = runCli(["-w", ws, "queue", "show", "task-child", "--json"]).json<{
      document: { depends_on: string[] };
    }>();
    expect(shown.document.depends_on).toEqual(["task-other"]);

    const incident = [
      "# Broken build",
      "",
      "Incident-ID: inc-1",
      "Title: Broken build",
      "Summary: the build broke",
      "Source-Stage: checker",
      "Source-Plane: execution",
      "Failure-Class: checker_blocked",
      "Trigger-Reason: blocked",
      "Consultant-Decision: needs_planning",
      "Opened-At: 2026-04-28T10:00:00Z",
      "Opened-By: runtime",
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "inc.md"), incident);
    expect(runCli(["-w", ws, "queue", "import", path.join(dir, "inc.md")]).status).toBe(0);
    const resolved = runCli(["-w", ws, "queue", "resolve", "inc-1", "--reason", "fixed by hand"]);
    expect(resolved.status, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(
      /destination_path: millrace-agents\/incidents\/resolved\/operator\/inc-1\.\d{8}T\d{6}Z\.[0-9a-f]{8}\.incoming\.md/,
    );

    writeFileSync(path.join(ws, "millrace-agents/incidents/incoming/latest-incident.md.invalid"), "junk");
    const archived = runCli([
      "-w",
      ws,
      "queue",
      "archive",
      "latest-incident.md.invalid",
      "--invalid",
      "--reason",
      "noise",
    ]);
    expect(archived.status, archived.stderr).toBe(0);
    expect(archived.stdout).toContain("destination_state: archived\n");
    const missing = runCli(["-w", ws, "queue", "archive", "task-base", "--reason", "r"]);
    expect(missing.status).toBe(3);
    // Refused before anything is applied, naming where the task is.
    expect(missing.stderr).toMatch(/^error: task-base is not blocked \(found: task in queue\)/);
  });
});

describe("bad input: a clear error, the documented exit code, nothing changed on disk", () => {
  let ws: string;
  let dir: string;
  beforeAll(() => {
    ws = initWorkspace();
    dir = tempDir();
    expect(runCli(["-w", ws, "add-task", "Existing", "--id", "task-exists"]).status).toBe(0);
  });

  function expectUnchanged(args: string[], status: number, message: RegExp): void {
    const before = listTree(path.join(ws, "millrace-agents"));
    const run = runCli(["-w", ws, ...args]);
    expect(run.status, run.stdout + run.stderr).toBe(status);
    const [first, hint] = run.stderr.split("\n");
    expect(first).toMatch(message);
    expect(hint).toMatch(/^hint: /);
    expect(listTree(path.join(ws, "millrace-agents"))).toEqual(before);
  }

  it("a malformed document names the file, line and field", () => {
    writeFileSync(
      path.join(dir, "bad.md"),
      TASK_MD.replace("Created-At: 2026-04-28T10:00:00Z", "Created-At: soon"),
    );
    expectUnchanged(
      ["queue", "import", path.join(dir, "bad.md")],
      1,
      /^error: .*bad\.md:6: Created-At: must be an ISO-8601 timestamp/,
    );
  });

  it("a duplicate id", () => {
    expectUnchanged(
      ["add-task", "Again", "--id", "task-exists"],
      1,
      /^error: task-exists already exists as a task in millrace-agents\/tasks\/queue$/,
    );
  });

  it("ids with /, \\, .. or NUL", () => {
    for (const bad of ["a/b", "a\\b", "..", "x..y"]) {
      expectUnchanged(["queue", "show", bad], 2, /^error: invalid id .*: the id (contains|must)/);
      expectUnchanged(["add-task", "T", "--id", bad], 2, /^error: invalid task id/);
    }
    const nul = TASK_MD.replace("Task-ID: task-add-retry-001", "Task-ID: a\u0000b");
    writeFileSync(path.join(dir, "nul.md"), nul);
    expectUnchanged(
      ["queue", "import", path.join(dir, "nul.md")],
      1,
      /Task-ID: invalid id "a\\u0000b": the id contains a NUL byte/,
    );
  });

  it("a document over 1 MiB", () => {
    writeFileSync(path.join(dir, "huge.md"), `${TASK_MD}\n${"x".repeat(1024 * 1024)}\n`);
    expectUnchanged(
      ["queue", "import", path.join(dir, "huge.md")],
      1,
      /^error: .*huge\.md: is \d+ bytes; the limit is 1048576 bytes/,
    );
  });

  it("an unknown kind", () => {
    writeFileSync(path.join(dir, "thing.json"), "{}");
    expectUnchanged(
      ["queue", "import", path.join(dir, "thing.json"), "--kind", "widget"],
      2,
      /^error: unknown work-item kind "widget"/,
    );
    expectUnchanged(["queue", "ls", "--kind", "widget"], 2, /^error: unknown work-item kind "widget"/);
  });

  it("invalid UTF-8", () => {
    writeFileSync(path.join(dir, "latin1.md"), Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expectUnchanged(
      ["queue", "import", path.join(dir, "latin1.md")],
      1,
      /^error: .*latin1\.md: is not valid UTF-8 text$/,
    );
  });

  it("an intervention without a reason, and a missing item", () => {
    expectUnchanged(
      ["queue", "cancel", "task-exists"],
      2,
      /^error: queue cancel needs a non-blank --reason$/,
    );
    expectUnchanged(
      ["queue", "show", "task-missing"],
      1,
      /^error: no work item with id task-missing in any queue folder$/,
    );
    expectUnchanged(["queue", "import", path.join(dir, "notes.txt")], 1, /^error: cannot read/);
  });

  it("an uninitialized workspace", () => {
    const empty = tempDir();
    const run = runCli(["-w", empty, "queue", "ls"]);
    expect(run.status).toBe(3);
    expect(existsSync(path.join(empty, "millrace-agents"))).toBe(false);
  });
});

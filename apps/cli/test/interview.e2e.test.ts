import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  ControlResultOutputSchema,
  InterviewListingOutputSchema,
  OperatorQuestionSchema,
  StatusReportSchema,
} from "@millrace/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

const STAGES = [
  "recon",
  "goal_intake",
  "objective_profile",
  "completion_manifest",
  "spec_synthesis",
  "spec_interview",
  "spec_review",
  "task_decomposition",
  "mechanic",
  "auditor",
  "arbiter",
  "builder",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
  "merge",
];

const SCRIPT = {
  rules: [
    {
      stage: "spec_interview",
      attempt: 1,
      actions: [
        {
          type: "write_file",
          base: "run_dir",
          path: "operator_question.json",
          template: JSON.stringify({
            question: "Export from the replica or the primary?",
            why_it_matters: "The replica lags; the primary is exact.",
            recommended_answer: "The replica",
          }),
        },
        { type: "marker", token: "NEEDS_OPERATOR_INPUT" },
      ],
    },
    { stage: "spec_interview", attempt: 2, actions: [{ type: "marker", token: "SPEC_INTERVIEW_COMPLETE" }] },
    {
      stage: "arbiter",
      actions: [
        { type: "write_file", base: "run_dir", path: "arbiter_report.md", template: "# Arbiter report\n" },
        {
          type: "write_file",
          base: "runtime",
          path: "arbiter/verdicts/{{work_item_id}}.json",
          template:
            '{"root_spec_id":"{{work_item_id}}","verdict":"ARBITER_COMPLETE","run_id":"{{run_id}}"}\n',
        },
        { type: "marker", token: "ARBITER_COMPLETE" },
      ],
    },
  ],
};

describe("millrace interview through a running daemon (goalspec_codex)", () => {
  let root: string;
  let rt: string;
  let daemon: ChildProcess;
  let exited: Promise<number>;
  const cli = (...args: string[]) => runCli([...args, "-w", root]);
  const has = (...parts: string[]) => existsSync(path.join(rt, ...parts));
  const incoming = () =>
    readdirSync(path.join(rt, "state", "mailbox", "incoming")).filter((n) => n.endsWith(".json"));

  beforeAll(async () => {
    root = path.join(tempDir("millrace-interview-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    rt = path.join(root, "millrace-agents");
    const stages = STAGES.map((stage) => `[stages.${stage}]\nrunner = "scripted"\n`).join("\n");
    writeFileSync(
      path.join(rt, "millrace.toml"),
      `[runtime]\ndefault_mode = "goalspec_codex"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/goalspec.json"\n\n${stages}`,
    );
    writeFileSync(path.join(rt, "scripted", "goalspec.json"), JSON.stringify(SCRIPT));
    daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    await waitFor(() => has("state", "runtime_daemon.lock.json"), 20_000);
  }, 60_000);

  afterAll(async () => {
    if (daemon.exitCode === null) {
      cli("stop");
      await exited;
    }
  });

  async function asks(spec: string): Promise<string> {
    expect(cli("add-spec", `Goal ${spec}`, "--id", spec).status).toBe(0);
    const id = `${spec}-q1`;
    await waitFor(() => has("questions", "pending", `${id}.json`), 60_000);
    return id;
  }

  it("a waiting spec lets an unrelated task complete, then continues after `interview answer`", async () => {
    const id = await asks("spec-a");
    expect(cli("add-task", "Unrelated", "--id", "task-free").status).toBe(0);
    await waitFor(() => has("tasks", "done", "task-free.md"), 60_000);
    expect(has("specs", "queue", "spec-a.md")).toBe(true);
    expect(has("questions", "pending", `${id}.json`)).toBe(true);

    const status = StatusReportSchema.parse(cli("status", "--json").json());
    expect(status.awaiting_operator).toEqual([
      expect.objectContaining({ question_id: id, work_item_id: "spec-a" }),
    ]);
    expect(cli("status").stdout).toContain(
      `awaiting_operator: spec spec-a question ${id}; answer: millrace interview answer ${id}`,
    );
    const listed = cli("interview", "list", "--status", "pending");
    expect(listed.stdout).toContain(
      `pending ${id} spec=spec-a stage=spec_interview: Export from the replica`,
    );
    const report = cli("supervisor", "report", "--json").json<{
      attention_reason: string;
      allowed_actions: Array<{ action: string; argv: string[] }>;
    }>();
    expect(report.attention_reason).toBe("awaiting_operator_input");
    expect(report.allowed_actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["interview_show", "interview_answer", "interview_accept", "interview_skip"]),
    );

    const answered = cli("interview", "answer", id, "--text", "The primary", "--issuer", "alice", "--json");
    expect(answered.status, answered.stderr).toBe(0);
    expect(ControlResultOutputSchema.parse(answered.json())).toMatchObject({
      mode: "mailbox",
      issuer: "alice",
    });
    await waitFor(() => has("specs", "done", "spec-a.md"), 60_000);
    const shown = OperatorQuestionSchema.parse(cli("interview", "show", id, "--json").json());
    expect(shown).toMatchObject({
      status: "resolved",
      resolution: "answered",
      answer: "The primary",
      resolved_by: "alice",
    });
    expect(shown.resumed_at).not.toBeNull();
  }, 180_000);

  it("refuses bad input with a one-line error, a hint and its exit code, writing nothing", () => {
    const before = incoming();
    const unknown = cli("interview", "answer", "spec-a-q9", "--text", "x");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^error: no operator question spec-a-q9\nhint: .*interview list/);
    const again = cli("interview", "answer", "spec-a-q1", "--text", "again");
    expect(again.status).toBe(3);
    expect(again.stderr.split("\n")[0]).toContain("spec-a-q1 was already answered by alice");
    const empty = cli("interview", "answer", "spec-a-q1", "--text", "");
    expect(empty.status).not.toBe(0);
    const missing = cli("interview", "answer", "spec-a-q1");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: interview answer needs the answer\nhint: /);
    expect(incoming()).toEqual(before);
    expect(readdirSync(path.join(rt, "state", "mailbox", "failed"))).toEqual([]);
  });

  it("accept and skip work the same way through the daemon", async () => {
    const accepted = await asks("spec-b");
    const emptyAnswer = cli("interview", "answer", accepted, "--text", "   ");
    expect(emptyAnswer.status).toBe(2);
    expect(emptyAnswer.stderr).toContain(`the answer to ${accepted} is empty`);
    expect(has("questions", "pending", `${accepted}.json`)).toBe(true);
    expect(cli("interview", "accept", accepted, "--issuer", "bob").status).toBe(0);
    await waitFor(() => has("specs", "done", "spec-b.md"), 60_000);

    const skipped = await asks("spec-c");
    expect(cli("interview", "skip", skipped).status).toBe(0);
    await waitFor(() => has("specs", "done", "spec-c.md"), 60_000);

    const all = InterviewListingOutputSchema.parse(cli("interview", "list", "--json").json()).questions;
    expect(all.map((q) => [q.question_id, q.resolution, q.answer, q.resolved_by])).toEqual([
      ["spec-a-q1", "answered", "The primary", "alice"],
      ["spec-b-q1", "accepted", "The replica", "bob"],
      ["spec-c-q1", "skipped", null, "operator"],
    ]);
    const events = readFileSync(path.join(rt, "logs", "runtime_events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((event) => event.event_type === "operator_question_resolved");
    expect(events.map((event) => event.data.issuer)).toEqual(["alice", "bob", "operator"]);
    expect(
      cli("supervisor", "report", "--json").json<{ attention_reason: string }>().attention_reason,
    ).not.toBe("awaiting_operator_input");
  }, 240_000);
});

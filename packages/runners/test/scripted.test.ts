import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ScriptFileInput } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { createStageFixture, fakeRunnerConfig, type StageFixture } from "../src/testing/index.js";
import { dispatch, livePidsWithCwd } from "./helpers.js";

const FIXED = new Date("2026-04-28T10:00:00Z");
const clock = () => FIXED;

const TASK_TEMPLATE = [
  "# Task {{seq}} for {{work_item_id}}",
  "",
  "Task-ID: task-{{work_item_id}}-{{seq}}",
  "Title: Task {{seq}} for {{work_item_id}}",
  "Spec-ID: {{work_item_id}}",
  "Created-At: {{now}}",
  "Created-By: manager",
  "",
  "Target-Paths:",
  "- src/demo.txt",
  "",
  "Acceptance:",
  "- the demo file exists",
  "",
  "Required-Checks:",
  "- test -f src/demo.txt",
  "",
  "References:",
  "- millrace-agents/specs/active/{{work_item_id}}.md",
  "",
  "Risk:",
  "- low",
  "",
].join("\n");

const demoScript: ScriptFileInput = {
  description: "manager writes two tasks; builder passes the second time",
  rules: [
    {
      stage: "manager",
      actions: [
        {
          type: "write_file",
          base: "runtime",
          path: "tasks/queue/task-{{work_item_id}}-{{seq}}.md",
          template: TASK_TEMPLATE,
        },
        {
          type: "write_file",
          base: "runtime",
          path: "tasks/queue/task-{{work_item_id}}-{{seq}}.md",
          template: TASK_TEMPLATE,
        },
        {
          type: "append_historylog",
          template: "- {{now}} manager decomposed {{work_item_id}} (run {{run_id}})",
        },
        { type: "print", text: "Decomposed into two tasks." },
        { type: "marker", token: "MANAGER_COMPLETE" },
      ],
    },
    {
      stage: "builder",
      attempt: 1,
      actions: [
        { type: "stderr", text: "first try fails" },
        { type: "exit", code: 3 },
      ],
    },
    { stage: "builder", actions: [{ type: "marker", token: "BUILDER_COMPLETE" }] },
    {
      stage: "checker",
      actions: [
        {
          type: "write_file",
          base: "run_dir",
          path: "checker_notes.md",
          template: "checked {{work_item_id}}",
        },
        {
          type: "write_result_json",
          terminal_result: "CHECKER_PASS",
          summary_artifact_paths: ["checker_notes.md"],
          notes: ["checked by script"],
          metadata: { resume_stage: "updater" },
        },
        { type: "marker", token: "CHECKER_PASS" },
      ],
    },
    { stage: "fixer", actions: [{ type: "hang" }] },
    { stage: "updater", actions: [{ type: "garbage", bytes: 64 }] },
    { stage: "troubleshooter", actions: [{ type: "write_file", path: "../escape.txt", template: "x" }] },
  ],
};

function scripted(fx: StageFixture, mode: "in-process" | "subprocess", script: ScriptFileInput = demoScript) {
  const file = fx.writeScript(script);
  return fakeRunnerConfig(
    "scripted",
    {},
    { runners: { scripted: { script: file, subprocess: mode === "subprocess" } } },
  );
}

describe.each(["in-process", "subprocess"] as const)("scripted runner (%s)", (mode) => {
  it("lets a manager write two valid task documents with unique ids and a historylog entry", async () => {
    const fx = createStageFixture("manager", {
      plane: "planning",
      active_work_item_kind: "spec",
      active_work_item_id: "spec-demo",
      active_work_item_path: "/tmp/x/spec-demo.md",
    });
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.envelope.terminal_result).toBe("MANAGER_COMPLETE");
    const queue = path.join(fx.runtimeRoot, "tasks", "queue");
    const names = readdirSync(queue).sort();
    expect(names).toEqual(["task-spec-demo-1.md", "task-spec-demo-2.md"]);
    const first = readFileSync(path.join(queue, names[0] as string), "utf8");
    expect(first).toContain("Task-ID: task-spec-demo-1\n");
    expect(first).toContain("Created-At: 2026-04-28T10:00:00Z\n");
    expect(readFileSync(path.join(fx.runtimeRoot, "historylog.md"), "utf8")).toContain(
      `manager decomposed spec-demo (run ${fx.request.run_id})`,
    );
    // a second manager run continues the sequence: ids stay unique
    await dispatch(fx, { config: scripted(fx, mode), clock }, fx.nextRequest());
    expect(readdirSync(queue).sort()).toEqual([
      "task-spec-demo-1.md",
      "task-spec-demo-2.md",
      "task-spec-demo-3.md",
      "task-spec-demo-4.md",
    ]);
  });

  it("matches rules by attempt number: first builder run exits 3, the second completes", async () => {
    const fx = createStageFixture("builder");
    const cfg = scripted(fx, mode);
    const first = await dispatch(fx, { config: cfg, clock });
    expect(first.raw.exit_kind).toBe("runner_error");
    expect(first.raw.exit_code).toBe(3);
    expect(first.envelope.metadata.failure_class).toBe("runner_transport_failure");
    expect(readFileSync(first.artifacts.stderr, "utf8")).toContain("first try fails");
    const second = await dispatch(fx, { config: cfg, clock }, fx.nextRequest());
    expect(second.envelope.terminal_result).toBe("BUILDER_COMPLETE");
  });

  it("writes a structured result with summary artifacts and metadata", async () => {
    const fx = createStageFixture("checker");
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.envelope.metadata.normalization_source).toBe("structured_result_file");
    expect(result.envelope.metadata.stage_metadata).toEqual({ resume_stage: "updater" });
    expect(result.envelope.artifact_paths).toContain(path.join(fx.runDir, "checker_notes.md"));
    expect(result.envelope.notes).toContain("checked by script");
    expect(existsSync(path.join(fx.runDir, "millrace_result.json"))).toBe(false);
    expect(existsSync(path.join(fx.runDir, `millrace_result.${fx.request.request_id}.json`))).toBe(true);
  });

  it("hangs until the deadline and reports a timeout", async () => {
    const fx = createStageFixture("fixer", { timeout_seconds: 1 });
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.raw.exit_kind).toBe("timeout");
    expect(result.envelope.metadata.failure_class).toBe("runner_timeout");
  });

  it("prints garbage: no marker → missing_terminal_result", async () => {
    const fx = createStageFixture("updater");
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.envelope.metadata.failure_class).toBe("missing_terminal_result");
  });

  it("refuses a write_file path that leaves its base folder", async () => {
    const fx = createStageFixture("troubleshooter");
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.raw.exit_code).toBe(2);
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain("leaves workspace");
    expect(existsSync(path.join(path.dirname(fx.root), "escape.txt"))).toBe(false);
  });

  it("falls back to the first legal marker when no rule matches", async () => {
    const fx = createStageFixture("arbiter", {
      plane: "planning",
    });
    const result = await dispatch(fx, { config: scripted(fx, mode), clock });
    expect(result.envelope.terminal_result).toBe("ARBITER_COMPLETE");
  });
});

describe("scripted runner: both modes write the same artifacts", () => {
  it("produces byte-identical stdout, stderr and files for the same script and clock", async () => {
    const outputs: string[][] = [];
    for (const mode of ["in-process", "subprocess"] as const) {
      const fx = createStageFixture("manager", {
        plane: "planning",
        active_work_item_kind: "spec",
        active_work_item_id: "spec-same",
        active_work_item_path: "/tmp/x/spec-same.md",
        run_id: "run-0123456789abcdef0123456789abcdef",
        request_id: "request-0123456789abcdef0123456789abcdef",
      });
      const result = await dispatch(fx, { config: scripted(fx, mode), clock });
      const queue = path.join(fx.runtimeRoot, "tasks", "queue");
      outputs.push([
        readFileSync(result.artifacts.stdout, "utf8"),
        readFileSync(result.artifacts.stderr, "utf8"),
        ...readdirSync(queue)
          .sort()
          .map((name) => readFileSync(path.join(queue, name), "utf8")),
        result.envelope.terminal_result,
      ]);
    }
    expect(outputs[0]).toEqual(outputs[1]);
  });
});

describe("scripted runner: script validation", () => {
  it("rejects an invalid script with a message naming the key; nothing is written", async () => {
    const fx = createStageFixture("builder");
    const file = path.join(fx.root, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ rules: [{ stage: "builder", actions: [{ type: "marker", token: "lower" }] }] }),
    );
    const cfg = fakeRunnerConfig("scripted", {}, { runners: { scripted: { script: file } } });
    const result = await dispatch(fx, { config: cfg });
    expect(result.raw.notes.join(" ")).toMatch(/rules\.0\.actions\.0\.token/);
    expect(result.envelope.metadata.failure_class).toBe("runner_transport_failure");
    expect(existsSync(path.join(fx.runtimeRoot, "state", "scripted_runner_state.json"))).toBe(false);
  });

  it("rejects unknown template placeholders", async () => {
    const fx = createStageFixture("builder");
    const cfg = scripted(fx, "in-process", {
      rules: [{ stage: "builder", actions: [{ type: "print", text: "{{nope}}" }] }],
    });
    const result = await dispatch(fx, { config: cfg });
    expect(result.raw.notes.join(" ")).toContain("unknown placeholder {{nope}}");
  });

  it("leaves no scripted subprocess behind after a timeout", async () => {
    const fx = createStageFixture("fixer", { timeout_seconds: 1 });
    const result = await dispatch(fx, { config: scripted(fx, "subprocess"), clock });
    expect(result.raw.exit_kind).toBe("timeout");
    expect(livePidsWithCwd(fx.root)).toEqual([]);
  });
});

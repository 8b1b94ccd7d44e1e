import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunnerRawResult, RunnerRawResultSchema, type ScriptFileInput } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { normalizeStageResult } from "../src/index.js";
import { readLastMessage } from "../src/result-files.js";
import { createStageFixture, fakeRunnerConfig, type StageFixture } from "../src/testing/index.js";
import { dispatch } from "./helpers.js";

const clock = () => new Date("2026-04-28T10:00:00Z");

function raw(fx: StageFixture, resultFile: string): RunnerRawResult {
  return RunnerRawResultSchema.parse({
    request_id: fx.request.request_id,
    run_id: fx.request.run_id,
    stage: fx.request.stage,
    runner_name: "test",
    exit_kind: "completed",
    exit_code: 0,
    started_at: "2026-04-28T10:00:00Z",
    ended_at: "2026-04-28T10:00:01Z",
    terminal_result_path: resultFile,
  });
}

function outsideDir(): string {
  return path.join(os.tmpdir(), `millrace-outside-${process.pid}-${Math.random().toString(16).slice(2)}`);
}

describe("result files an agent controls", () => {
  it("a 200 MB sparse millrace_result.json is rejected without being read", () => {
    const fx = createStageFixture("checker");
    const file = path.join(fx.runDir, "millrace_result.json");
    writeFileSync(file, "");
    truncateSync(file, 200 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const envelope = normalizeStageResult(fx.request, raw(fx, file));
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
    expect(envelope.success).toBe(false);
    expect(envelope.metadata.failure_class).toBe("illegal_terminal_result");
    expect(envelope.notes.join("\n")).toContain(
      "structured result file refused: it is 209715200 bytes; the limit is 4194304 bytes",
    );
  });

  it("a result file or last message that is a link (e.g. to /dev/zero or /etc/passwd) is not followed", () => {
    const fx = createStageFixture("checker");
    const file = path.join(fx.runDir, "millrace_result.json");
    symlinkSync("/dev/zero", file);
    const envelope = normalizeStageResult(fx.request, raw(fx, file));
    expect(envelope.metadata.failure_class).toBe("illegal_terminal_result");
    expect(envelope.notes.join("\n")).toContain("is a symbolic link");
    const last = path.join(fx.runDir, "last_message.txt");
    symlinkSync("/etc/passwd", last);
    expect(readLastMessage(last)).toBe("");
    const dir = path.join(fx.runDir, "last_dir.txt");
    mkdirSync(dir);
    expect(readLastMessage(dir)).toBe("");
    const ok = path.join(fx.runDir, "last_ok.txt");
    writeFileSync(ok, "### CHECKER_PASS\n");
    expect(readLastMessage(ok)).toBe("### CHECKER_PASS\n");
    expect(readLastMessage(ok, 4)).toBe("");
  });
});

describe("scripted runner confinement by real path", () => {
  function scripted(fx: StageFixture, script: ScriptFileInput) {
    return fakeRunnerConfig(
      "scripted",
      {},
      { runners: { scripted: { script: fx.writeScript(script), subprocess: false } } },
    );
  }

  it("refuses write_file through a link that leaves the workspace (wslink/x with wslink -> /outside)", async () => {
    const fx = createStageFixture("troubleshooter");
    const outside = outsideDir();
    mkdirSync(outside);
    symlinkSync(outside, path.join(fx.root, "wslink"));
    const script: ScriptFileInput = {
      rules: [
        { stage: "troubleshooter", actions: [{ type: "write_file", path: "wslink/x", template: "pwned" }] },
      ],
    };
    const result = await dispatch(fx, { config: scripted(fx, script), clock });
    expect(result.raw.exit_code).toBe(2);
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain('"wslink/x" leaves workspace');
    expect(readdirSync(outside)).toEqual([]);
  });

  it("refuses append_historylog when historylog.md links out of the workspace", async () => {
    const fx = createStageFixture("troubleshooter");
    const outside = outsideDir();
    mkdirSync(outside);
    writeFileSync(path.join(outside, "h.md"), "");
    symlinkSync(path.join(outside, "h.md"), path.join(fx.root, "millrace-agents", "historylog.md"));
    const script: ScriptFileInput = {
      rules: [{ stage: "troubleshooter", actions: [{ type: "append_historylog", template: "pwned" }] }],
    };
    const result = await dispatch(fx, { config: scripted(fx, script), clock });
    expect(result.raw.exit_kind).toBe("runner_error");
    expect(result.raw.notes.join("\n")).toMatch(
      /refusing millrace-agents\/historylog\.md: millrace-agents\/historylog\.md is a symbolic link to .*, outside the workspace/,
    );
    expect(readFileSync(path.join(outside, "h.md"), "utf8")).toBe("");
  });
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The trace is switched on by the environment when the module loads: each case runs a fresh node.
const MODULE = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "state", "handoff-trace.js"),
).href;

function runTraced(value: string | undefined): { stdout: string; stderr: string; status: number | null } {
  const script = `
    import fs from "node:fs";
    const { traced, traceStageApplied, traceAdd } = await import(${JSON.stringify(MODULE)});
    const file = ${JSON.stringify(path.join(os.tmpdir(), `trace-probe-${process.pid}`))};
    const result = traced("probe.write", () => {
      const fd = fs.openSync(file, "w");
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return 42;
    });
    await traced("probe.async", () => Promise.resolve());
    traceAdd("probe.runner", 5);
    traceStageApplied();
    console.log(String(result));
  `;
  const env = { ...process.env };
  delete env.MILLRACE_TRACE_HANDOFF;
  if (value !== undefined) env.MILLRACE_TRACE_HANDOFF = value;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
  return { stdout: child.stdout, stderr: child.stderr, status: child.status };
}

describe("handoff trace (MILLRACE_TRACE_HANDOFF)", () => {
  it("off: spans are plain calls and nothing is printed", () => {
    for (const value of [undefined, "", "0"]) {
      const run = runTraced(value);
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toBe("42");
      expect(run.stderr).toBe("");
    }
  });

  it("to a file: one table per process with calls, time and fsyncs per stage", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "millrace-trace-")), "trace.txt");
    const run = runTraced(file);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("42");
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^handoff trace: 1 stages; per stage: 1\.00 fsyncs/);
    expect(text).toMatch(/probe\.write\s+1\s+[\d.]+\s+1\.00/);
    expect(text).toMatch(/probe\.async\s+1\s+[\d.]+\s+0\.00/);
    expect(text).toMatch(/probe\.runner\s+1\s+5\.000\s+0\.00/);
  });

  it("1: the table goes to stderr", () => {
    const run = runTraced("1");
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("handoff trace: 1 stages");
  });
});

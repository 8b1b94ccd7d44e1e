import { describe, expect, it } from "vitest";
import { buildStagePrompt } from "../src/index.js";
import { createStageFixture } from "../src/testing/index.js";

describe("buildStagePrompt", () => {
  it("carries the entrypoint, every request label in order, lists, and the closing rules", () => {
    const fx = createStageFixture("checker", { required_skill_paths: ["/skills/a.md"] });
    const prompt = buildStagePrompt(fx.request);
    const lines = prompt.split("\n");
    expect(lines[1]).toContain(`\`${fx.request.entrypoint_path}\``);
    expect(lines[3]).toBe("Stage Request Context:");
    const labels = lines
      .slice(4)
      .filter((line) => /^[A-Z][A-Za-z ]+:/.test(line))
      .map((line) => line.split(":")[0]);
    const order = [
      "Request ID",
      "Run ID",
      "Mode ID",
      "Compiled Plan ID",
      "Node ID",
      "Stage Kind ID",
      "Stage",
      "Plane",
      "Request Kind",
      "Running Status Marker",
      "Entrypoint Path",
      "Entrypoint Contract ID",
      "Active Work Item",
      "Active Work Item Path",
      "Closure Target Path",
      "Closure Target Root Spec ID",
      "Closure Target Root Idea ID",
      "Canonical Root Spec Path",
      "Canonical Seed Idea Path",
      "Preferred Rubric Path",
      "Preferred Verdict Path",
      "Preferred Report Path",
      "Legal Terminal Markers",
      "Allowed Result Classes By Outcome",
      "Required Skill Paths",
      "Attached Skill Paths",
      "Run Directory",
      "Runtime Snapshot Path",
      "Recovery Counters Path",
      "Summary Status Path",
      "Preferred Troubleshoot Report Path",
      "Runtime Error Code",
      "Runtime Error Report Path",
      "Runtime Error Catalog Path",
      "Skill Revision Evidence Path",
      "Runner Name",
      "Model Name",
      "Model Reasoning Effort",
      "Timeout Seconds",
    ];
    expect(labels.slice(0, order.length)).toEqual(order);
    expect(prompt).toContain("Active Work Item: task task-demo-001\n");
    expect(prompt).toContain("Closure Target Path: none\n");
    expect(prompt).toContain(
      "Legal Terminal Markers:\n- ### CHECKER_PASS\n- ### FIX_NEEDED\n- ### BLOCKED\n",
    );
    expect(prompt).toContain("- BLOCKED: blocked, recoverable_failure\n");
    expect(prompt).toContain("Required Skill Paths:\n- /skills/a.md\n");
    expect(prompt).toContain("Attached Skill Paths: none\n");
    expect(prompt).toContain("`### CHECKER_PASS`, `### FIX_NEEDED`, `### BLOCKED`");
    expect(prompt).not.toContain("### TOKEN");
    expect(prompt).toContain("millrace_result.json");
  });

  it("appends extra context blocks before the closing rules", () => {
    const fx = createStageFixture("builder");
    const prompt = buildStagePrompt(fx.request, [
      { title: "Relevant Procedures", body: "- always run tests\n\n" },
    ]);
    const block = prompt.indexOf("Relevant Procedures:\n- always run tests\n");
    expect(block).toBeGreaterThan(prompt.indexOf("Timeout Seconds:"));
    expect(block).toBeLessThan(prompt.indexOf("How to finish:"));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compilePlan } from "@millrace/compiler";
import { initWorkspace, loadConfig, workspacePaths } from "@millrace/workspace";
import { afterEach, describe, expect, it } from "vitest";
import { nodesByRunner, runnersInUse } from "../../src/doctor/plan-checks.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Every stage but `merge` moved to the scripted runner; `merge` keeps its default (Codex) binding. */
function planned(lanes: number) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-merge-runner-"));
  roots.push(root);
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "default_codex"\n\n[runners]\ndefault_runner = "scripted"\n\n[execution]\nlanes = ${lanes}\n`,
  );
  const config = loadConfig(paths);
  const result = compilePlan(root, config);
  expect(result.ok).toBe(true);
  return { config, plan: result.plan };
}

describe("the lane merge stage's runner", () => {
  it("is not required with one lane: the merge node cannot run there", () => {
    const { config, plan } = planned(1);
    const mergeNodes = [...(plan?.graphs_by_plane.execution?.nodes ?? [])].filter((n) => n.stage === "merge");
    expect(mergeNodes.length).toBe(1);
    const used = [...runnersInUse(config, plan).values()].flat();
    expect(used.some((label) => label.endsWith(".merge"))).toBe(false);
    const nodes = [...nodesByRunner(config, plan).values()].flat().map((node) => node.stage);
    expect(nodes).not.toContain("merge");
    expect(nodes).toContain("builder");
  });

  it("is required with lanes > 1", () => {
    const { config, plan } = planned(4);
    const used = [...runnersInUse(config, plan).values()].flat();
    expect(used.some((label) => label.endsWith(".merge"))).toBe(true);
    expect([...nodesByRunner(config, plan).values()].flat().map((node) => node.stage)).toContain("merge");
  });
});
